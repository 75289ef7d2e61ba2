module github.com/sandboxkit/sandbox

go 1.26.8

require (
	github.com/containerd/cgroups/v3 v3.1.3
	github.com/moby/sys/mountinfo v0.7.3
	github.com/opencontainers/runtime-spec v1.3.0
	go.uber.org/zap v1.28.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/moby/sys/userns v0.1.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
)
