//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox"
	"github.com/sandboxkit/sandbox/internal/testutil"
)

func requireRoot(t testing.TB) { testutil.RequireRoot(t) }

// Things the attack submissions try to reach (see testdata/README.md).
const (
	secretFile = "/tmp/sandboxkit-judge-secret"
	hostPort   = "127.0.0.1:47391"
)

// reDetail is the RE detail each language's re.* must give.
var reDetail = map[string]string{"c": "SIGSEGV", "cpp": "SIGABRT", "python": "exit 1", "go": "exit 2"}

// TestJudgeCorpus judges every submission of testdata/sub and checks the
// verdict its name promises: NAME is VERDICT[-VERDICT…][_LABEL].EXT.
func TestJudgeCorpus(t *testing.T) { judgeCorpus(t, sandbox.Native) }

// TestJudgeCorpusLandlock: the same corpus, the same verdicts, with
// -backend landlock (no namespace: Landlock, seccomp, the run's cgroup).
func TestJudgeCorpusLandlock(t *testing.T) {
	requireRoot(t)
	var abi *sandbox.LandlockABIError
	if err := sandbox.Landlock.Available(); errors.As(err, &abi) {
		testutil.SkipProved(t, "Landlock ABI 6", err.Error())
	} else if err != nil {
		t.Fatal(err)
	}
	judgeCorpus(t, sandbox.Landlock)
}

func judgeCorpus(t *testing.T, backend sandbox.Backend) {
	requireRoot(t)
	baitHost(t)
	gocache := sandboxDir(t, "judge-gocache-")
	warmGoCache(t, gocache, backend)
	leftovers := checkLeftovers(t)
	subs := corpus(t)
	start := time.Now()
	for _, src := range subs {
		name := filepath.Base(src)
		t.Run(name, func(t *testing.T) {
			judgeOne(t, src, Config{GoCache: gocache, Backend: backend}, nil)
		})
		leftovers.check(t, name)
	}
	t.Logf("judged %d submissions in %v", len(subs), time.Since(start).Round(time.Millisecond))
}

// corpus lists the submissions of testdata/sub, fork bombs last: if one
// takes the test process down, the rest have been judged already.
func corpus(t *testing.T) []string {
	t.Helper()
	subs, err := filepath.Glob("testdata/sub/*")
	if err != nil || len(subs) == 0 {
		t.Fatalf("no submissions: %v", err)
	}
	sort.SliceStable(subs, func(i, j int) bool {
		return !strings.Contains(subs[i], "forkbomb") && strings.Contains(subs[j], "forkbomb")
	})
	return subs
}

// judgeOne judges src with cfg and the corpus's limits, and checks the
// verdict its name promises, or the one differ gives.
func judgeOne(t *testing.T, src string, cfg Config, differ map[string][]Verdict) {
	t.Helper()
	name := filepath.Base(src)
	lang := languageOf(name)
	// Longer than the judge's own bound on a compile (its wall limit): the
	// first Go compile builds the standard library into the empty cache,
	// 25 s of CPU, and a busy machine stretches it past a minute. The
	// judge, not the test, decides it is too long.
	ctx, cancel := context.WithTimeout(context.Background(), 2*compileTime+time.Minute)
	defer cancel()
	cfg.Lang, cfg.Source, cfg.TestsDir = lang, src, "testdata/sum"
	// 64 MiB for the memory hogs, the judge's default elsewhere: 64
	// processes of a fork bomb take about 1 MiB each.
	cfg.TimeLimit, cfg.MemoryLimit = time.Second, 256<<20
	want := expectedVerdicts(name)
	if v, ok := differ[strings.SplitN(name, ".", 2)[0]]; ok {
		want = v
	}
	if strings.HasPrefix(name, "mle") {
		// The memory limit is what these test, so the CPU limit must not
		// race it: under GVisor every first touch of a page is a fault
		// the Sentry serves, and mle.go reached 64 MiB after 0.5 s of CPU
		// here but had only 59 MiB at 1 s on a slower CI machine (TLE).
		// A submission that never reaches the limit still fails, as TLE.
		cfg.MemoryLimit, cfg.TimeLimit = 64<<20, 5*time.Second
	}
	if cfg.Backend == sandbox.GVisor && !contains(want, TLE) && cfg.TimeLimit < 3*time.Second {
		// Python's start alone takes a few hundred ms of CPU under GVisor
		// here, more on a slower machine: only the TLE submissions test
		// the CPU limit.
		cfg.TimeLimit = 3 * time.Second
	}
	rep, err := Judge(ctx, cfg)
	if err != nil {
		t.Fatalf("Judge: %v", err)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !contains(want, rep.Verdict) {
		t.Fatalf("verdict %s, want one of %v\n%s", rep.Verdict, want, table.String())
	}
	if strings.HasPrefix(name, "re.") {
		if last := rep.Tests[len(rep.Tests)-1]; last.Detail != reDetail[lang] {
			t.Errorf("RE detail %q, want %q\n%s", last.Detail, reDetail[lang], table.String())
		}
	}
	t.Logf("\n%s", table.String())
}

// warmGoCache compiles a Go submission until it compiles: the standard
// library's first build takes 25 s of CPU, past the judge's own compile
// wall limit on a busy machine; what a killed build compiled stays cached,
// so the next try gets further.
func warmGoCache(t *testing.T, gocache string, backend sandbox.Backend) {
	for try := 1; ; try++ {
		rep, err := Judge(context.Background(), Config{Lang: "go", Source: "testdata/sub/ac.go", TestsDir: "testdata/sum",
			TimeLimit: time.Second, MemoryLimit: 256 << 20, GoCache: gocache, Backend: backend})
		if err != nil {
			t.Fatalf("warming the Go build cache: %v", err)
		}
		if rep.Compile.Verdict == AC || try == 3 {
			return
		}
		t.Logf("warming the Go build cache, try %d: %s %s", try, rep.Compile.Verdict, rep.Compile.Detail)
	}
}

// TestJudgeSurvivesForkBombOOM: a fork bomb that fills a small memory
// limit must end in a verdict, never take the judge down with it. (The
// kernel's OOM killer may pick any process of the run's cgroup.)
func TestJudgeSurvivesForkBombOOM(t *testing.T) {
	requireRoot(t)
	leftovers := checkLeftovers(t)
	for _, src := range []string{"testdata/sub/tle-re_forkbomb.c", "testdata/sub/tle-re_forkbomb.cpp"} {
		for range 3 {
			rep, err := Judge(context.Background(), Config{
				Lang: languageOf(src), Source: src, TestsDir: "testdata/sum",
				TimeLimit: time.Second, MemoryLimit: 32 << 20,
			})
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if !contains([]Verdict{TLE, RE, MLE}, rep.Verdict) {
				t.Errorf("%s: verdict %s, want TLE, RE or MLE", src, rep.Verdict)
			}
			leftovers.check(t, src)
		}
	}
}

// expectedVerdicts reads the verdicts a submission's name promises.
func expectedVerdicts(name string) []Verdict {
	base, _, _ := strings.Cut(name, ".")
	base, _, _ = strings.Cut(base, "_")
	var vs []Verdict
	for _, v := range strings.Split(base, "-") {
		vs = append(vs, Verdict(strings.ToUpper(v)))
	}
	return vs
}

func contains(vs []Verdict, v Verdict) bool {
	for _, w := range vs {
		if w == v {
			return true
		}
	}
	return false
}

// baitHost puts a world-readable file in the host's /tmp and a listener on
// the host's loopback: the attack submissions print a wrong answer if they
// reach either.
func baitHost(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(secretFile, []byte("host secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(secretFile, 0o644)
	t.Cleanup(func() { os.Remove(secretFile) })
	ln, err := net.Listen("tcp", hostPort)
	if err != nil {
		t.Logf("no bait listener on %s (%v): the network test only tries 1.1.1.1", hostPort, err)
		return
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
}

// sandboxDir makes a host directory the sandbox's user may write.
func sandboxDir(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, sandbox.DefaultUID, sandbox.DefaultGID); err != nil {
		t.Fatal(err)
	}
	return dir
}

type leftovers struct{ cgroups int }

// checkLeftovers notes the per-run cgroups that exist now; check then
// fails if a judged submission left a cgroup or a process behind.
func checkLeftovers(t *testing.T) *leftovers {
	return &leftovers{cgroups: len(cgroupDirs())}
}

func (l *leftovers) check(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		procs, groups := judgeProcesses(), cgroupDirs()
		if len(procs) == 0 && len(groups) <= l.cgroups {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s left behind: processes %v, cgroups %v", name, procs, groups)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// judgeProcesses lists processes of the sandbox's user that run something
// from the judge's directories (or nothing: a zombie) and are this test's:
// below this process, or orphans that run from the judge's directories (a
// process that outlived its sandbox is reparented). Other judges on the
// machine are not this test's business.
func judgeProcesses() []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		info, err := os.Stat("/proc/" + e.Name())
		if err != nil || !ownedBy(info, sandbox.DefaultUID) && !ownedByRange(info) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		// The Native backend's paths, or the Landlock backend's (in place).
		judged := bytes.Contains(cmdline, []byte(boxDir)) || bytes.Contains(cmdline, []byte(filepath.Join(os.TempDir(), "judge-")))
		if (judged || len(cmdline) == 0) && oursOrOrphan(pid, judged) {
			found = append(found, e.Name()+":"+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}

// oursOrOrphan says whether pid descends from this process or, when
// orphans count, was reparented to PID 1. (Other tools on the machine
// have daemons of the sandbox's uid without a command line.)
func oursOrOrphan(pid int, orphans bool) bool {
	for level := 0; level < 64 && pid > 1; level++ {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return false // gone
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 {
			return false
		}
		ppid, _ := strconv.Atoi(fields[1])
		if ppid == os.Getpid() || orphans && level == 0 && ppid == 1 {
			return true
		}
		pid = ppid
	}
	return false
}

// cgroupDirs lists the library's per-run groups made by this process
// ("sandbox-PID-…"), on every hierarchy; other processes' are not ours.
func cgroupDirs() []string {
	var dirs []string
	own := "sandbox-" + strconv.Itoa(os.Getpid()) + "-*"
	for _, pat := range []string{"/sys/fs/cgroup/" + own, "/sys/fs/cgroup/*/" + own,
		"/sys/fs/cgroup/*/*/" + own, "/sys/fs/cgroup/*/*/*/" + own, "/sys/fs/cgroup/*/*/*/*/" + own} {
		m, _ := filepath.Glob(pat)
		dirs = append(dirs, m...)
	}
	return dirs
}

// ownedByRange: owned by a uid the sandbox gives runs (the default range).
func ownedByRange(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) >= sandbox.DefaultUIDFirst && int(st.Uid) < sandbox.DefaultUIDFirst+sandbox.DefaultUIDCount
}

func ownedBy(info os.FileInfo, uid int) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == uid
}

func TestExpectedVerdicts(t *testing.T) {
	got := expectedVerdicts("tle-re_forkbomb.go")
	if len(got) != 2 || got[0] != TLE || got[1] != RE {
		t.Errorf("got %v", got)
	}
}
