//go:build !linux

package sandbox

func (b Backend) available() error {
	return &UnavailableError{Backend: b, Missing: "Linux", Err: ErrNotSupported}
}
