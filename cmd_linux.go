package sandbox

import (
	"errors"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// defaultPath is the PATH of a sandbox whose command's Env names none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// command is an exec.Cmd checked and resolved for the sandbox.
type command struct {
	candidates []string // paths to try with execve, in order
	name       string   // what the user asked for, for errors
	argv       []string
	env        []string
	dir        string
}

// checkCmd validates cmd and works out what to execve inside the sandbox.
// A bare name (no slash) is looked up in the sandbox's PATH, never the
// host's: exec.Command's host lookup result is ignored.
func checkCmd(cmd *exec.Cmd) (*command, error) {
	switch {
	case cmd == nil:
		return nil, &ConfigError{Method: "Run", Value: nil, Reason: "nil *exec.Cmd"}
	case cmd.SysProcAttr != nil:
		return nil, &ConfigError{Method: "Run", Value: "SysProcAttr", Reason: "the sandbox sets up the process itself; SysProcAttr must be nil"}
	case cmd.Process != nil:
		return nil, &ConfigError{Method: "Run", Value: cmd.Path, Reason: "exec.Cmd already started"}
	case cmd.Path == "" && len(cmd.Args) == 0:
		return nil, &ConfigError{Method: "Run", Value: "", Reason: "empty command"}
	}
	if cmd.Err != nil && !errors.Is(cmd.Err, exec.ErrNotFound) && !errors.Is(cmd.Err, exec.ErrDot) {
		return nil, &ConfigError{Method: "Run", Value: cmd.Path, Reason: cmd.Err.Error()}
	}
	c := &command{argv: cmd.Args, dir: cmd.Dir}
	if len(c.argv) == 0 {
		c.argv = []string{cmd.Path}
	}
	c.env = cmd.Env
	pathVar := ""
	for _, kv := range c.env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	if pathVar == "" {
		pathVar = defaultPath
		c.env = append(append([]string(nil), c.env...), "PATH="+defaultPath)
	}
	for _, s := range append(append([]string{cmd.Path, cmd.Dir}, c.argv...), c.env...) {
		if strings.ContainsRune(s, 0) {
			return nil, &ConfigError{Method: "Run", Value: s, Reason: "contains a NUL byte"}
		}
	}
	// exec.Command(name) sets Path to the host's lookup of name: use the
	// name itself so that it is looked up inside the sandbox.
	name := cmd.Path
	if a0 := c.argv[0]; a0 == cmd.Path || (!strings.Contains(a0, "/") && filepath.Base(cmd.Path) == a0) {
		name = a0
	}
	c.name = name
	if strings.Contains(name, "/") {
		c.candidates = []string{name}
		return c, nil
	}
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" || !path.IsAbs(dir) {
			continue // relative PATH entries are not searched (exec.ErrDot)
		}
		c.candidates = append(c.candidates, path.Join(dir, name))
	}
	if len(c.candidates) == 0 {
		return nil, &ConfigError{Method: "Run", Value: name, Reason: "no absolute directory in PATH to look it up in"}
	}
	return c, nil
}
