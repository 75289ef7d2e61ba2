//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// kernel is an unpacked Debian kernel in the cache.
type kernel struct {
	Release string // e.g. 6.1.0-48-amd64
	Dir     string // the unpacked .deb
	Boot    string // vmlinux if extracted, else the bzImage
}

// modulesDir is the kernel's lib/modules/<release>.
func (k *kernel) modulesDir() string {
	return filepath.Join(k.Dir, "lib", "modules", k.Release)
}

var imagePkgRE = regexp.MustCompile(`\blinux-image-[0-9][^ ,|]*-amd64\b`)

// kernelPackage resolves the linux-image-amd64 metapackage to the versioned
// image package it depends on, e.g. linux-image-6.1.0-48-amd64.
func kernelPackage() (string, error) {
	out, err := exec.Command("apt-cache", "show", "--no-all-versions", "linux-image-amd64").Output()
	if err != nil {
		return "", fmt.Errorf("apt-cache show linux-image-amd64: %w (is apt's package list present? run apt-get update)", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Depends:") {
			if m := imagePkgRE.FindString(line); m != "" {
				return m, nil
			}
		}
	}
	return "", fmt.Errorf("no linux-image-*-amd64 dependency in apt-cache show linux-image-amd64")
}

// ensureKernel downloads and unpacks the kernel into cache once, and
// extracts vmlinux from it once.
func ensureKernel(cache string) (*kernel, error) {
	pkg, err := kernelPackage()
	if err != nil {
		return nil, err
	}
	k := &kernel{Release: strings.TrimPrefix(pkg, "linux-image-"), Dir: filepath.Join(cache, pkg)}
	vmlinuz := filepath.Join(k.Dir, "boot", "vmlinuz-"+k.Release)
	vmlinux := filepath.Join(cache, pkg+".vmlinux")
	if _, err := os.Stat(filepath.Join(k.Dir, ".complete")); err != nil {
		if err := unpackKernel(cache, pkg, k.Dir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(vmlinux); err == nil {
		k.Boot = vmlinux
		return k, nil
	}
	k.Boot = vmlinuz
	if _, err := os.Stat(filepath.Join(cache, pkg+".no-vmlinux")); err == nil {
		return k, nil
	}
	if err := extractVmlinux(vmlinuz, vmlinux); err != nil {
		logf("cannot extract vmlinux (%v); booting the bzImage (about 2.5 s slower)", err)
		_ = os.WriteFile(filepath.Join(cache, pkg+".no-vmlinux"), []byte(err.Error()+"\n"), 0o644)
		return k, nil
	}
	k.Boot = vmlinux
	return k, nil
}

// unpackKernel runs apt-get download and dpkg-deb -x into dir.
func unpackKernel(cache, pkg, dir string) error {
	dl, err := os.MkdirTemp(cache, "download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dl)
	// apt drops privileges to _apt when it can: let it write here.
	_ = os.Chmod(dl, 0o777)
	logf("downloading %s", pkg)
	cmd := exec.Command("apt-get", "download", "-qq", pkg)
	cmd.Dir = dl
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get download %s: %w\n%s", pkg, err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dl, pkg+"_*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download %s: expected one .deb in %s, found %d", pkg, dl, len(debs))
	}
	_ = os.RemoveAll(dir)
	if err := run("dpkg-deb", "-x", debs[0], dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644)
}

// extractVmlinux implements the kernel tree's scripts/extract-vmlinux: find
// a compression magic in the bzImage and decompress from there until the
// result is an ELF file. Go has gzip only; xz and zstd use the host tools.
func extractVmlinux(bzImage, out string) error {
	img, err := os.ReadFile(bzImage)
	if err != nil {
		return err
	}
	formats := []struct {
		magic []byte
		tool  []string
	}{
		{[]byte("\xfd7zXZ\x00"), []string{"xz", "-dcq"}},
		{[]byte("\x28\xb5\x2f\xfd"), []string{"zstd", "-dcq"}},
		{[]byte("\x1f\x8b\x08"), []string{"gzip", "-dcq"}},
	}
	var errs []string
	for _, f := range formats {
		for off := 0; ; {
			i := bytes.Index(img[off:], f.magic)
			if i < 0 {
				break
			}
			off += i
			elf, err := decompress(f.tool, img[off:])
			if err == nil {
				tmp := out + ".tmp"
				if err := os.WriteFile(tmp, elf, 0o644); err != nil {
					return err
				}
				return os.Rename(tmp, out)
			}
			errs = append(errs, fmt.Sprintf("%s at %d: %v", f.tool[0], off, err))
			off += len(f.magic)
		}
	}
	if len(errs) == 0 {
		return fmt.Errorf("no known compression magic in %s", bzImage)
	}
	return fmt.Errorf("%s", strings.Join(errs, "; "))
}

// decompress pipes data through tool. Trailing data after the compressed
// stream makes the tools fail, as in extract-vmlinux; the output counts if
// it is an ELF file.
func decompress(tool []string, data []byte) ([]byte, error) {
	if _, err := exec.LookPath(tool[0]); err != nil {
		return nil, err
	}
	cmd := exec.Command(tool[0], tool[1:]...)
	cmd.Stdin = bytes.NewReader(data)
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run()
	if out.Len() < 4 || !bytes.HasPrefix(out.Bytes(), []byte("\x7fELF")) {
		return nil, fmt.Errorf("output is not an ELF file")
	}
	return out.Bytes(), nil
}
