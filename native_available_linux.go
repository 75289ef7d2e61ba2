package sandbox

// nativeAvailable says whether this process can create the namespaces of
// New(). (Filled in by the Landlock work: a Native sandbox that cannot run
// names Landlock as the alternative.)
func nativeAvailable() error { return nil }
