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
//	clone(namespaces, CLONE_PIDFD) ---> runtime_AfterForkInChild
//	runtime_AfterFork                   InitOps[0..k): close unneeded fds,
//	write uid/gid maps,                 PDEATHSIG, read(sync) -- waits
//	join cgroup (v1) ------ "go" -----> InitOps[k..]: cgroup/time ns,
//	                                    mounts, pivot_root, hostname, lo up,
//	                                    non-dumpable
//	                                    fork() ----------------------------> CmdOps: setsid, fds, chdir,
//	                                    PostForkOps: close fds               rlimits, caps, ids,
//	                                    read(exec pipe) <-- EOF on exec ---- no_new_privs, seccomp,
//	read(report) <--- Started --------  (or an error record)                execve
//	                                    wait4 loop: reap everything
//	read(report) <--- Exited{status,    the command is reaped:
//	                   rusage} -------  exit_group(0): the kernel kills
//	wait4(init)                         what is left in the PID namespace
//
// Every failure in init or the command is sent as a fixed-size Msg naming
// the list and the index of the operation that failed and its errno; the
// parent maps that back to a stage and a path. Code that runs after the fork
// lives in fork_linux.go: it is nosplit, does not allocate and calls only
// raw system calls.
package child
