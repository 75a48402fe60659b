package testutil

import (
	"testing"
	"time"
)

// WaitFor polls fn until it returns true, and fails the test with msg if that has
// not happened within timeout. Use it instead of sleeping for "long enough".
func WaitFor(t testing.TB, timeout time.Duration, fn func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v: %s", timeout, msg)
		}
		time.Sleep(delay) // polling interval
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// Eventually polls fn until it returns true or timeout passes, and reports which.
func Eventually(timeout time.Duration, fn func() bool) bool {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for !fn() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
	}
	return true
}
