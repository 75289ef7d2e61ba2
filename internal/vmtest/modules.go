//go:build linux

package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// guestModules are the modules the guest needs to mount the host's root
// over virtio-9p with an overlay on top. Those the kernel has built in are
// skipped; dependencies are added first.
var guestModules = []string{"virtio_pci", "9pnet_virtio", "9p", "overlay"}

// modName normalises a module name as the kernel does.
func modName(s string) string {
	s = strings.TrimSuffix(filepath.Base(s), ".ko")
	return strings.ReplaceAll(s, "-", "_")
}

// resolveModules returns the .ko paths to insmod, in load order. The .deb
// has no modules.dep (depmod runs at install), so dependencies come from
// each module's .modinfo "depends=" field.
func resolveModules(k *kernel, want []string) ([]string, error) {
	dir := k.modulesDir()
	builtin, err := readBuiltin(filepath.Join(dir, "modules.builtin"))
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	err = filepath.WalkDir(filepath.Join(dir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".ko") {
			paths[modName(p)] = p
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name, from string) error
	visit = func(name, from string) error {
		name = modName(name)
		if state[name] == 2 || builtin[name] {
			return nil
		}
		if state[name] == 1 {
			return fmt.Errorf("module dependency cycle at %s", name)
		}
		p, ok := paths[name]
		if !ok {
			return fmt.Errorf("module %s (needed by %s) is neither built in nor in %s", name, from, dir)
		}
		state[name] = 1
		deps, err := modDepends(p)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d, name); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, p)
		return nil
	}
	for _, w := range want {
		if err := visit(w, "the guest"); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// readBuiltin reads modules.builtin (kernel/fs/foo/foo.ko per line).
func readBuiltin(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m[modName(sc.Text())] = true
	}
	return m, sc.Err()
}

// modDepends reads "depends=a,b" from a module's .modinfo section.
func modDepends(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", path, err)
	}
	defer f.Close()
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("module %s: no .modinfo section", path)
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range strings.Split(string(data), "\x00") {
		if v, ok := strings.CutPrefix(kv, "depends="); ok {
			if v == "" {
				return nil, nil
			}
			return strings.Split(v, ","), nil
		}
	}
	return nil, nil
}
