package nobuild

import (
	"os/exec"
	"testing"
)

// TestExec uses os/exec, which exists on wasip1 only as stubs that fail;
// this package fails to build on purpose: it calls a function that does
// not exist, so gotest.Build must report the compiler's words.
func TestExec(t *testing.T) {
	_ = exec.Command("true")
	undefinedOnPurpose()
}
