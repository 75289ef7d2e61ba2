/*
 * stats: a static program whose context switches, processes, disk I/O,
 * memory and output are known, to check a Result's statistics against
 * (stats_linux_test.go). Single-threaded C, so that no runtime adds
 * threads, switches or memory of its own. One subcommand per run:
 *
 *   sleeps N        N sleeps of 1 ms: N voluntary switches
 *   ticks N         the same, writing one byte to stdout after each sleep:
 *                   a run cut short says how many it completed
 *   forks N K       N children in waves of K alive at once (each blocked
 *                   on a pipe until the parent closes it, then reaped): N+1
 *                   processes created, at most K+1 alive at once
 *   spin MS         two processes on one CPU, each busy for MS ms of wall
 *                   time: the scheduler must take the CPU from them
 *   burn MS         use MS ms of CPU time, write one byte to stdout, then
 *                   wait for a signal forever
 *   io PATH BYTES   write BYTES to PATH, fsync, drop the file's pages from
 *                   the page cache, read it back: BYTES written and read
 *   rss MIB         touch MIB MiB of fresh memory
 *   out N M         write N bytes to stdout and M bytes to stderr
 *
 * On success it exits 0; any failure prints the step on stderr, exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
	fprintf(stderr, "stats: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long num(const char *s) {
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == 0 || *end != 0 || v < 0) {
		fprintf(stderr, "stats: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void sleeps(long n, int tick) {
	struct timespec ts = {0, 1000000};
	for (long i = 0; i < n; i++) {
		if (nanosleep(&ts, NULL) != 0)
			die("nanosleep");
		if (tick && write(1, ".", 1) != 1)
			die("write");
	}
}

static void forks(long n, long k) {
	if (k < 1) {
		fprintf(stderr, "stats: forks: K must be at least 1\n");
		exit(2);
	}
	for (long left = n; left > 0;) {
		long wave = left < k ? left : k;
		int p[2];
		if (pipe(p) != 0)
			die("pipe");
		for (long i = 0; i < wave; i++) {
			pid_t pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				char c;
				close(p[1]);
				while (read(p[0], &c, 1) > 0) {
				}
				_exit(0);
			}
		}
		close(p[0]);
		close(p[1]);
		for (long i = 0; i < wave; i++) {
			int st;
			if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				die("wait");
		}
		left -= wave;
	}
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin(long ms) {
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0)
		die("sched_setaffinity");
	pid_t pid = fork(); /* the child inherits the affinity */
	if (pid < 0)
		die("fork");
	double end = now() + ms / 1e3;
	while (now() < end) {
	}
	if (pid == 0)
		_exit(0);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		die("waitpid");
}

static double cpu(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void burn(long ms) {
	while (cpu() < ms / 1e3) {
	}
	if (write(1, "x", 1) != 1)
		die("write");
	for (;;)
		pause();
}

static void io(const char *path, long bytes) {
	static char buf[64 << 10];
	memset(buf, 'x', sizeof buf);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open for writing");
	for (long left = bytes; left > 0;) {
		long n = left < (long)sizeof buf ? left : (long)sizeof buf;
		if (write(fd, buf, n) != n)
			die("write");
		left -= n;
	}
	if (fsync(fd) != 0)
		die("fsync");
	/* Clean pages can be dropped: the read must come from the disk. */
	if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
		die("posix_fadvise");
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open for reading");
	long got = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (got != bytes) {
		fprintf(stderr, "stats: read %ld bytes, wrote %ld\n", got, bytes);
		exit(1);
	}
}

static void rss(long mib) {
	size_t n = (size_t)mib << 20;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
}

static void out(int fd, long n) {
	static char buf[4096];
	memset(buf, 'o', sizeof buf);
	while (n > 0) {
		long k = n < (long)sizeof buf ? n : (long)sizeof buf;
		ssize_t w = write(fd, buf, k);
		if (w <= 0)
			die("write");
		n -= w;
	}
}

int main(int argc, char **argv) {
	if (argc == 3 && strcmp(argv[1], "sleeps") == 0)
		sleeps(num(argv[2]), 0);
	else if (argc == 3 && strcmp(argv[1], "ticks") == 0)
		sleeps(num(argv[2]), 1);
	else if (argc == 4 && strcmp(argv[1], "forks") == 0)
		forks(num(argv[2]), num(argv[3]));
	else if (argc == 3 && strcmp(argv[1], "spin") == 0)
		spin(num(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "burn") == 0)
		burn(num(argv[2]));
	else if (argc == 4 && strcmp(argv[1], "io") == 0)
		io(argv[2], num(argv[3]));
	else if (argc == 3 && strcmp(argv[1], "rss") == 0)
		rss(num(argv[2]));
	else if (argc == 4 && strcmp(argv[1], "out") == 0) {
		out(1, num(argv[2]));
		out(2, num(argv[3]));
	} else {
		fprintf(stderr, "usage: stats sleeps N | ticks N | forks N K | spin MS | burn MS | io PATH BYTES | rss MIB | out N M\n");
		return 2;
	}
	return 0;
}
