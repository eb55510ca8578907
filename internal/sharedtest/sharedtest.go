// Package sharedtest finds the project's shared folder (design, microWakeWord models,
// golden reference outputs) for tests. It lives beside the repository, at ../shared
// from the module root, in development sessions and in CI, never on a device.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns <shared>/rel. When it is absent the test is skipped with a message
// saying so, except under CI=true, where it must be present and the test fails.
func Dir(t testing.TB, rel string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0) // …/internal/sharedtest/sharedtest.go
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", rel)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing (CI=true): %v", err)
		}
		t.Skipf("shared data missing, skipping (%v)", err)
	}
	return dir
}
