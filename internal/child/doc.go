// Package child starts the sandbox's process tree without re-executing the
// host binary. The parent turns a configuration into a Plan — flat lists of
// raw system calls with every string, struct and file descriptor prepared in
// memory it owns — and the forked child only walks those lists.
//
// The protocol, drawn:
//
//	parent (Go runtime)                 init (clone child, PID 1)          command
//	-------------------                 -------------------------          -------
//	pipes, plan; on the forker thread:
//	runtime_BeforeFork
//	clone(namespaces, CLONE_PIDFD) ---> (fork: runtime_AfterForkInChild;
//	runtime_AfterFork                    CLONE_VM: own stack, signals
//	                                     stay blocked)
//	write uid/gid maps                  Init: close unneeded fds,
//	                ------ "go" ------> PDEATHSIG, read(sync); join a
//	                                    pooled network namespace if it
//	                                    matches a pristine one's /proc/net
//	                                    (else unshare); User:
//	                                    ids, PDEATHSIG again, parent
//	                                    alive (sync pipe not hung up);
//	                                    time ns; setsid; note own PID;
//	                                    Root: mounts, pivot_root;
//	                                    InitPost: hostname, lo up;
//	                                    block SIGCHLD, StopSignal; no PID
//	                                    ns: subreaper setup
//	                                    fork or vfork ---------------------> Cmd: join the run's cgroup
//	                                    PostFork: close fds                  (write "0" to cgroup.procs),
//	                                    read(exec pipe) <-- own ru_maxrss -- cgroup ns, pgid, PDEATHSIG,
//	                                    to EOF           <-- EOF on exec --- fds, rlimits, caps, ids,
//	read(report) <--- Started --------  (or an error record); the            PDEATHSIG again, parent is
//	close(sync)                         floor: that and its own ru_maxrss    init, chdir, no_new_privs,
//	                                    wait4 loop: reap everything          getrusage+write, seccomp,
//	                                    until the command ends or            execve
//	                                    StopSignal, adding up their
//	                                    rusage; then kill all left
//	                                    (PID ns: kill(-1)), reap them
//	                                    too; read ns_last_pid
//	read(report) <--- Exited{status,    exit_group(0)
//	                   rusage sums,
//	                   floor, last
//	                   PID} ----------
//	wait4(init)
//
// init is cloned from a goroutine locked to a thread that never exits, so
// that its parent-death signal means the embedding process died, not the
// thread that happened to call Start (go.dev/issue/27505). The kernel
// clears a parent-death signal on every change of credentials, so init and
// the command set it again after theirs and then check that the parent did
// not die before.
//
// Every failure in init or the command is sent as a fixed-size Msg naming
// the list and the index of the operation that failed and its errno; the
// parent maps that back to a stage and a path. Code that runs after the fork
// is marked //sandbox:child: it is nosplit, does not allocate, stores no
// pointer, has no bounds check and calls only raw system calls (the rules
// are written out in fork_linux.go; rules_linux_test.go checks them with
// the compiler's own reports on every test run).
package child
