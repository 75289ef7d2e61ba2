package sandbox

// available dispatches to each backend's own probe.
func (b Backend) available() error {
	switch b {
	case Landlock:
		return landlockAvailable()
	case GVisor:
		return gvisorAvailable()
	}
	return nativeAvailable()
}
