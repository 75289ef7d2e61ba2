#!/bin/busybox sh
# Guest init for vmtest. Stage 1 runs from the initramfs: it mounts the
# host's root (virtio-9p, read-only) under a tmpfs overlay and switches into
# it. Stage 2 is PID 1 in that root: it sets up cgroup2 in the systemd shape
# and runs each test wrapper from /system.slice/test.service/main, made
# afresh for each.
# Status lines go to the second serial port: "ready <uptime>",
# "test <name> <rc> <uptime>", "done <uptime>".

if [ "$1" != stage2 ]; then
	/bin/busybox --install -s /bin
	export PATH=/bin
	fail() { echo "vmtest init: $*" >/dev/console; echo "fail stage1" >/dev/ttyS1; poweroff -f; }
	mkdir -p /proc /sys /dev
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	for m in $(cat /vmtest/modules); do
		insmod "$m" || fail "insmod $m"
	done
	mkdir -p /lower /rw /newroot
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower ||
		fail "mount 9p hostroot"
	mount -t tmpfs -o mode=0755 rw /rw && mkdir /rw/upper /rw/work
	mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
		fail "mount overlay"
	rm -rf /newroot/.vmtest
	mkdir -p /newroot/.vmtest
	cp -a /vmtest/. /newroot/.vmtest/ && cp /bin/busybox /newroot/.vmtest/busybox || fail "copy into the overlay"
	umount /proc /sys /dev
	exec switch_root /newroot /.vmtest/busybox sh /.vmtest/init stage2
	fail "switch_root"
fi

bb=/.vmtest/busybox
uptime() { read -r up _ </proc/uptime; echo "$up"; }
status() { echo "$* $(uptime)" >>/dev/ttyS1; }
die() { echo "vmtest init: $*" >/dev/console; status "fail"; $bb sync; $bb poweroff -f; }

$bb mount -t proc proc /proc || exit 1
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
$bb ln -sf pts/ptmx /dev/ptmx
$bb mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# /tmp stays the overlay's: the checkout under test may live in the host's
# /tmp (CI clones there), and writes land in the overlay's tmpfs anyway.
$bb mount -t tmpfs -o mode=0755 tmpfs /run
$bb hostname vmtest
$bb ip link set lo up

cg=/sys/fs/cgroup
$bb mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $cg || die "mount cgroup2"
$bb mkdir $cg/init.scope && echo $$ >$cg/init.scope/cgroup.procs || die "init.scope"
enable() {
	for c in cpu io memory pids; do
		echo "+$c" >"$1/cgroup.subtree_control" || die "enable $c in $1"
	done
}
enable $cg
$bb mkdir $cg/system.slice && enable $cg/system.slice
# The service is delegated the systemd way (Delegate=yes,
# DelegateSubgroup=main): its processes live in the leaf main, the service's
# group carries trusted.delegate=1 and has the controllers enabled, so the
# library makes its groups beside main.
svc=$cg/system.slice/test.service
$bb mkdir $svc || die "mkdir $svc"
enable $svc
/usr/bin/python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.delegate', b'1')" $svc || die "delegate $svc"

status ready
while read -r name <&3; do
	echo "vmtest: running $name" >/dev/console
	# Each binary gets a fresh main: one that was never the target of
	# cgroup.kill. Linux 6.1 stable (the backport of b69bb476dee9, "cgroup:
	# fix race between fork and cgroup.kill", without upstream's follow-up
	# c3b510de) compares the kill sequence of the forking process's cgroup
	# with the destination's in clone3(CLONE_INTO_CGROUP) and SIGKILLs the
	# child when they differ: every such child of a process in a cgroup that
	# was once killed dies at birth.
	$bb mkdir $svc/main || die "mkdir $svc/main"
	(echo 0 >$svc/main/cgroup.procs || exit 125; exec $bb sh /.vmtest/run-$name) </dev/null
	rc=$?
	# Nothing a test leaves behind survives into the next binary.
	echo 1 >$svc/cgroup.kill
	until $bb grep -q 'populated 0' $svc/main/cgroup.events; do $bb usleep 20000; done
	$bb rmdir $svc/main || die "rmdir $svc/main"
	status "test $name $rc"
	echo "vmtest: $name exit $rc" >/dev/console
done 3</.vmtest/tests
status done
$bb sync
$bb poweroff -f
