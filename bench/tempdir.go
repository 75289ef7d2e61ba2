//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// removeTemp removes the bench's temp dir, after detaching whatever a
// runtime left mounted in it: runsc since 2025 pins an empty network
// namespace for its Gofers at <--root>/null-netns, in the host's mount
// namespace, and keeps it for the next run of that state dir (runsc
// delete does not remove it); os.RemoveAll alone fails on it with EBUSY
// and leaves the mount and the directory behind.
func removeTemp(dir string) error {
	var errs []error
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		errs = append(errs, err)
	}
	// Deepest first; a point mounted twice is listed twice.
	slices.SortFunc(mounts, func(a, b *mountinfo.Info) int {
		return strings.Count(b.Mountpoint, "/") - strings.Count(a.Mountpoint, "/")
	})
	for _, m := range mounts {
		if err := unix.Unmount(m.Mountpoint, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err != nil && !errors.Is(err, unix.EINVAL) {
			errs = append(errs, fmt.Errorf("umount %s: %w", m.Mountpoint, err))
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
