// Package intset is Redis's intset (intset.c), byte for byte: the compact encoding of
// a set whose members are all integers.
//
// Layout (little-endian, as Redis stores it in memory and in RDB files):
//
//	encoding uint32   bytes per element: 2 (int16), 4 (int32) or 8 (int64)
//	length   uint32   number of elements
//	contents          length elements of that width, sorted ascending, distinct
//
// The encoding is the width of the widest value ever added: adding a value that does
// not fit upgrades every element in one pass, and removing values never downgrades
// (Redis behaves the same, and RDB files carry whatever width the set reached).
//
// An intset is a plain []byte. Functions that grow or shrink it return the slice to
// keep, which may share memory with the one passed in (like append): callers own
// their intsets and must not keep old slices. Validate checks bytes of unknown origin
// (RDB files, RESTORE payloads) before any other function may be used on them.
package intset
