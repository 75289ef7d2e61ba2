// Command probe is a small static program the tests run inside sandboxes
// (and inside Chroot directories that hold nothing else). Each subcommand
// prints what it found; a failure to do what it was asked exits 1.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe ls|cat|write|connect|listen-lo|spin|alloc ARGS")
		os.Exit(2)
	}
	arg := ""
	if len(os.Args) > 2 {
		arg = os.Args[2]
	}
	switch os.Args[1] {
	case "ls":
		ents, err := os.ReadDir(arg)
		check(err)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		fmt.Println(strings.Join(names, " "))
	case "cat":
		b, err := os.ReadFile(arg)
		check(err)
		os.Stdout.Write(b)
	case "write":
		check(os.WriteFile(arg, []byte("x"), 0o644))
	case "connect":
		c, err := net.DialTimeout("tcp", arg, time.Second)
		check(err)
		c.Close()
	case "listen-lo":
		// Loopback must be up: listen and connect to ourselves.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		check(err)
		c, err := net.Dial("tcp", l.Addr().String())
		check(err)
		c.Close()
		fmt.Println("loopback ok")
	case "spin":
		d, err := time.ParseDuration(arg)
		check(err)
		end := time.Now().Add(d)
		for time.Now().Before(end) {
		}
	case "sleep":
		d, err := time.ParseDuration(arg)
		check(err)
		time.Sleep(d)
	case "alloc":
		// alloc MiB: allocate and touch that much memory, hold it briefly.
		n, err := strconv.Atoi(arg)
		check(err)
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		time.Sleep(50 * time.Millisecond)
		fmt.Println("allocated", n, "MiB", b[len(b)-4096])
	case "spin-threads":
		// spin-threads N DURATION: N threads each busy until it has used
		// DURATION of CPU time.
		n, err := strconv.Atoi(arg)
		check(err)
		d, err := time.ParseDuration(os.Args[3])
		check(err)
		runtime.GOMAXPROCS(n + 1)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				for threadCPU() < d {
				}
			}()
		}
		wg.Wait()
	case "flood":
		// flood FILE: write forever to FILE ("-" is stdout).
		w := os.Stdout
		if arg != "-" {
			f, err := os.Create(arg)
			check(err)
			w = f
		}
		buf := make([]byte, 64<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				fmt.Fprintln(os.Stderr, "write:", err)
				os.Exit(3)
			}
		}
	case "fds":
		// fds: open files until the kernel refuses, print its errno.
		for {
			if _, err := syscall.Open("/dev/null", syscall.O_RDONLY, 0); err != nil {
				fmt.Println("errno", int(err.(syscall.Errno)))
				os.Exit(7)
			}
		}
	case "uid":
		fmt.Println(syscall.Getuid(), syscall.Getgid())
	case "clocks":
		// clocks: print CLOCK_MONOTONIC and CLOCK_BOOTTIME in nanoseconds.
		for _, id := range []uintptr{1, 7} { // <linux/time.h>
			var ts syscall.Timespec
			if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
				check(e)
			}
			fmt.Print(ts.Nano(), " ")
		}
		fmt.Println()
	case "inotify-hog":
		// inotify-hog: take every inotify instance the uid may have, say
		// "ready N" and wait to be killed.
		n := 0
		for {
			if _, err := syscall.InotifyInit1(syscall.IN_CLOEXEC); err != nil {
				fmt.Printf("ready %d %v\n", n, err)
				break
			}
			n++
		}
		time.Sleep(time.Hour)
	case "inotify":
		_, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
		check(err)
		fmt.Println("inotify ok")
	case "sigqueue-hog":
		// sigqueue-hog: queue signals to itself until the uid's
		// RLIMIT_SIGPENDING is spent, say "ready N" and wait to be killed.
		runtime.LockOSThread()
		n := 0
		for blockSigqueue(); sigqueueSelf() == nil; n++ {
		}
		fmt.Printf("ready %d %v\n", n, sigqueueSelf())
		time.Sleep(time.Hour)
	case "sigqueue":
		runtime.LockOSThread()
		blockSigqueue()
		check(sigqueueSelf())
		fmt.Println("sigqueue ok")
	case "send-stdout":
		// send-stdout: pass descriptor 1 over the unix socket on
		// descriptor 3 (SCM_RIGHTS), to a process outside the run.
		check(syscall.Sendmsg(3, []byte("x"), syscall.UnixRights(1), nil, 0))
		fmt.Println("sent")
	case "stdout-attack":
		// stdout-attack BYTES: what a command could do to a host file
		// handed in as its stdout (reports on stderr), then write "after".
		n, err := strconv.ParseInt(arg, 10, 64)
		check(err)
		stdioAttack(1, n)
		fmt.Fprint(os.Stdout, "after\n")
	case "stdin-attack":
		// stdin-attack: the same on stdin, then print what it reads.
		stdioAttack(0, 1<<20)
		b := make([]byte, 100)
		n, _ := syscall.Pread(0, b, 0)
		fmt.Fprintf(os.Stderr, "pread at 0: %q\n", b[:n])
		if m, err := syscall.Mmap(0, 0, 4, syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
			fmt.Fprintf(os.Stderr, "mmap: %q\n", m)
		} else {
			fmt.Fprintln(os.Stderr, "mmap:", err)
		}
	case "openat":
		// openat FD NAME: open NAME relative to descriptor FD (a
		// directory handed in from the host would resolve it outside
		// the sandbox's root) and print what it holds.
		fd, err := strconv.Atoi(arg)
		check(err)
		nfd, err := syscall.Openat(fd, os.Args[3], syscall.O_RDONLY, 0)
		check(err)
		b := make([]byte, 4096)
		n, _ := syscall.Read(nfd, b)
		fmt.Printf("read %q\n", b[:max(n, 0)])
	case "stdin-socket":
		// stdin-socket: read once from descriptor 0 and print it, then
		// try to write to it and to shut it down (reports on stderr).
		b := make([]byte, 100)
		n, err := syscall.Read(0, b)
		fmt.Printf("read %q %v\n", b[:max(n, 0)], err)
		_, err = syscall.Write(0, []byte("from-the-command"))
		fmt.Fprintln(os.Stderr, "write:", err)
		fmt.Fprintln(os.Stderr, "shutdown:", syscall.Shutdown(0, syscall.SHUT_RDWR))
	case "read-stdout":
		// read-stdout: read from descriptor 1.
		b := make([]byte, 100)
		n, err := syscall.Read(1, b)
		fmt.Fprintf(os.Stderr, "read stdout: %d %q %v\n", n, b[:max(n, 0)], err)
	default:
		if !interactSub(os.Args[1], os.Args[2:]) {
			fmt.Fprintln(os.Stderr, "unknown subcommand", os.Args[1])
			os.Exit(2)
		}
	}
}

// stdioAttack tries, on descriptor fd, what must not reach the caller's
// file: reading it back through /proc/self/fd, clearing O_APPEND, seeking,
// overwriting, truncating, reserving n bytes, locking, changing its flags.
// Each result goes to stderr.
func stdioAttack(fd int, n int64) {
	say := func(what string, err error) { fmt.Fprintf(os.Stderr, "%s: %v\n", what, err) }
	if f, err := os.Open("/proc/self/fd/" + strconv.Itoa(fd)); err == nil {
		b := make([]byte, 4096)
		k, err := f.ReadAt(b, 0)
		fmt.Fprintf(os.Stderr, "reopen: read %q %v\n", b[:k], err)
		f.Close()
	} else {
		say("reopen", err)
	}
	fl, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if e == 0 {
		_, _, e = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFL, (fl&^syscall.O_APPEND)|syscall.O_NONBLOCK)
	}
	say("setfl", errnoErr(e))
	_, err := syscall.Seek(fd, 0, 0)
	say("seek", err)
	_, err = syscall.Pwrite(fd, []byte("OVERWRITTEN"), 0)
	say("pwrite", err)
	if fd == 0 {
		_, err = syscall.Write(fd, []byte("W"))
		say("write", err)
	}
	say("ftruncate", syscall.Ftruncate(fd, 0))
	say("fallocate", syscall.Fallocate(fd, 1 /* FALLOC_FL_KEEP_SIZE */, 0, n))
	say("flock", syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB))
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// sigHog is the real-time signal the sigqueue subcommands queue (SIGRTMIN+10,
// which the Go runtime leaves alone).
const sigHog = 44

// blockSigqueue blocks sigHog on this (locked) thread, so that the signals
// queued to it stay pending.
func blockSigqueue() {
	set := uint64(1) << (sigHog - 1)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
}

// sigqueueSelf queues sigHog to this thread with rt_tgsigqueueinfo (a
// queued signal counts against the uid's RLIMIT_SIGPENDING).
func sigqueueSelf() error {
	var info [128]byte
	*(*int32)(unsafe.Pointer(&info[0])) = sigHog
	*(*int32)(unsafe.Pointer(&info[8])) = -1 // SI_QUEUE
	_, _, e := syscall.RawSyscall6(syscall.SYS_RT_TGSIGQUEUEINFO, uintptr(syscall.Getpid()), uintptr(syscall.Gettid()), sigHog,
		uintptr(unsafe.Pointer(&info[0])), 0, 0)
	return errnoErr(e)
}

// threadCPU is the CPU time of the calling thread.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
