// Package compare measures the hand-written cgroup code of internal/cgroup
// against github.com/containerd/cgroups/v3's cgroup1 and cgroup2 packages,
// and shows, on fake trees, the behaviours of those packages that make the
// sandbox keep its own code (see internal/cgroup/doc.go, "Why not
// containerd/cgroups"). It is a module of its own so that their
// dependencies (cilium/ebpf, godbus, go-systemd, logrus, protobuf,
// runtime-spec) stay out of the library's go.mod. Run, as root on a v1 or
// hybrid host (the benchmarks) or anywhere (the tests):
//
//	cd internal/cgroup/testdata/compare && go test -bench . -benchtime 2s
package compare
