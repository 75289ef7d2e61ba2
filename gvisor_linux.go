package sandbox

// gvisorAvailable says whether this host can run the GVisor backend.
func gvisorAvailable() error {
	return &UnavailableError{Backend: GVisor, Missing: "the gVisor backend is not built yet"}
}
