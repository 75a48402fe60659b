//go:build !amd64 && !arm64

package keyspace

import "unsafe"

// touch is a no-op where keygrid has no prefetch instruction wired in: the
// lookahead's plain loads still bring the lines in, a level at a time.
func touch(addr unsafe.Pointer) {}
