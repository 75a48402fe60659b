// Package rdb is Redis's RDB file format: the primitives (lengths, strings with
// their integer and LZF encodings, doubles, times, the Jones CRC64 over
// everything), the decoders of the value payloads every Redis version since 2.x
// wrote (ziplists, zipmaps, intsets, listpacks, quicklists, streams), and a
// streaming parser of whole files.
//
// The package knows nothing of the engine: it writes and reads bytes. The engine
// (engine/rdb_value.go) turns its objects into Writer calls and the Values that
// ReadValue decodes back into objects; check-rdb and the fuzzers use Parse.
//
// Flow of a file:
//
//	"REDIS" <4-digit version>
//	(AUX key value | MODULE_AUX ... | FUNCTION2 code)*
//	(SELECTDB n [RESIZEDB size expires] ([EXPIRETIME_MS t] [IDLE s] [FREQ f] <type> key value)*)*
//	EOF <CRC64 LE, 0 when checksums are off>
//
// Everything decoded from untrusted input is validated (deeply: every listpack,
// ziplist and intset entry) before it is returned, so corrupt input gives an
// error and never a panic or an object the engine cannot use.
package rdb
