//go:build amd64 || arm64

package keyspace

import "unsafe"

// touch asks the CPU to bring the cache line at addr in (PREFETCHT0) and returns at
// once: unlike a load, a prefetch does not hold up the instructions behind it while
// the line is on its way, so the lookahead can keep working while memory answers.
// It never faults, whatever addr is.
//
//go:noescape
func touch(addr unsafe.Pointer)
