//go:build linux

package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable returns s with everything a terminal might act on written as
// an escape, so that text from a submission (the compiler's output, which
// quotes the source as is) cannot move the cursor, clear the screen or
// repaint the verdict table: control characters (C0, DEL, C1: ESC, CR,
// CSI…) as \xNN or \u00NN, bidirectional-text and line-separator
// characters as \uNNNN, and bytes that are not UTF-8 as \xNN. Newlines
// and tabs are kept when multiline is true.
func printable(s string, multiline bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u2028', r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
