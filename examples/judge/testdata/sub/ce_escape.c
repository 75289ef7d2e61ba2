/* The compiler quotes this line as is: raw ESC, CR and C1 bytes that would
 * clear the screen and paint a green AC over the verdict table if the
 * judge printed them. The table must show them escaped. */
#error [2J[H[32mAC[0m  2J ‮ CA
#error AC
