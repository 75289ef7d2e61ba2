package sandbox_test

import (
	"errors"
	"fmt"

	"github.com/sandboxkit/sandbox"
)

// A configuration can be checked where it is built: each bad call is a
// *ConfigError naming the method and the value.
func ExampleSandbox_Err() {
	sb := sandbox.New().MemoryLimit(-1)
	var ce *sandbox.ConfigError
	if errors.As(sb.Err(), &ce) {
		fmt.Println(ce.Method, ce.Value)
	}
	fmt.Println(sandbox.New().Err())
	// Output:
	// MemoryLimit -1
	// <nil>
}

// A Status prints as the name judges show.
func ExampleStatus_String() {
	fmt.Println(sandbox.OK, sandbox.MemoryLimitExceeded, sandbox.WallTimeLimitExceeded)
	// Output: OK MemoryLimitExceeded WallTimeLimitExceeded
}
