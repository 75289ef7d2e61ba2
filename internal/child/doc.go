// Package child starts the sandbox's process tree without re-executing the
// host binary. The parent turns a configuration into a Plan — flat lists of
// raw system calls with every string, struct and file descriptor prepared in
// memory it owns — and the forked child only walks those lists.
//
// The protocol, drawn:
//
//	parent (Go runtime)                 init (clone child, PID 1)          command
//	-------------------                 -------------------------          -------
//	pipes, plan, runtime_BeforeFork
//	clone(namespaces, CLONE_PIDFD) ---> (fork: runtime_AfterForkInChild;
//	runtime_AfterFork                    CLONE_VM: own stack, signals
//	                                     stay blocked)
//	write uid/gid maps                  Init: close unneeded fds,
//	                ------ "go" ------> PDEATHSIG, read(sync); join a
//	                                    pooled network namespace; time
//	                                    ns; Root: mounts, pivot_root;
//	                                    InitPost: hostname, lo up
//	                                    fork or vfork ---------------------> Cmd: join the run's cgroup
//	                                    PostFork: close fds                  (write "0" to cgroup.procs),
//	                                    read(exec pipe) <-- EOF on exec ---- cgroup ns, pgid, fds, rlimits,
//	read(report) <--- Started --------  (or an error record)                caps, ids, chdir, no_new_privs,
//	                                    wait4 loop: reap everything          seccomp, execve
//	read(report) <--- Exited{status,    the command is reaped:
//	                   rusage} -------  exit_group(0): the kernel kills
//	wait4(init)                         what is left in the PID namespace
//
// Every failure in init or the command is sent as a fixed-size Msg naming
// the list and the index of the operation that failed and its errno; the
// parent maps that back to a stage and a path. Code that runs after the fork
// is marked //sandbox:child: it is nosplit, does not allocate, stores no
// pointer, has no bounds check and calls only raw system calls (the rules
// are written out in fork_linux.go; rules_linux_test.go checks them with
// the compiler's own reports on every test run).
package child
