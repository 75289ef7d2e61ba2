// Command gen writes the sandbox package's seccomp_default_linux_<arch>.go
// files (see package seccompgen) into the directory given, or the current
// one:
//
//	go generate .   (in the module's root)
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sandboxkit/sandbox/internal/seccompgen"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for _, arch := range seccompgen.Arches {
		src, err := seccompgen.File(arch)
		if err != nil {
			log.Fatal(err)
		}
		name := filepath.Join(dir, seccompgen.FileName(arch))
		if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, src) {
			continue
		}
		if err := os.WriteFile(name, src, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", name)
	}
}
