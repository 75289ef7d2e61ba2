//go:build linux

// sbx's runtime settings (examples/sbx/main.go), so that this program
// starts as sbx does.

//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0

// Command sbxstart is what every sbx invocation pays before its main
// function runs: a Go program that imports the library and exits at once.
// It starts the Go runtime and runs the package initialisation of
// everything the library imports, zap (whose *zap.Logger the API takes)
// and, through zap, net/http and crypto/tls. The bench's sbx-start row
// runs it, built as the sbx row's binary is.
package main

import _ "github.com/sandboxkit/sandbox"

func main() {}
