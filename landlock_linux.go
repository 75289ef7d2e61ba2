package sandbox

// landlockAvailable says whether this host can run the Landlock backend.
func landlockAvailable() error {
	return &UnavailableError{Backend: Landlock, Missing: "the Landlock backend is not built yet"}
}
