// Package lzf implements the LZF compression format of Marc Lehmann's liblzf, as
// bundled with Redis: RDB files compress strings with it (rdbcompression yes) and
// quicklists compress their inner listpack nodes (list-compress-depth).
//
// Format: a sequence of chunks, each starting with a control byte c:
//
//	c < 32:   a literal run: the next c+1 bytes are copied to the output
//	c >= 32:  a back reference: length L = c>>5 (if L == 7, L += next byte),
//	          offset O = (c&31)<<8 | next byte; copy L+2 bytes from O+1 bytes
//	          back in the output (the regions may overlap, repeating a pattern)
//
// Main flow:
//
//	c := lzf.Compress(buf, value)            // nil: not smaller, store raw
//	v, err := lzf.Decompress(buf, c, n)      // n, the original length, is stored
//	                                         // beside the data (RDB, quicklist)
//
// Compress runs the compressor of Redis's lzf_c.c (HLOG 16, VERY_FAST, the same
// hash and match rules), so it writes the same bytes as Redis for the same input
// and output limit; CompressLimit takes that limit explicitly, for callers that
// want Redis's exact accept/reject decision (RDB strings use len-4). Redis's hash
// table is left uninitialised on the stack, which can in principle make its output
// depend on stale entries; this package's is logically clean on every call, which
// is what Redis gets in practice.
//
// Decompress is safe on hostile input: it never panics, never writes past the
// expected length, and fails unless the output is exactly that length.
//
// Both functions follow snappy's buffer convention: dst is storage to reuse when
// its capacity suffices, the result starts at dst[0], and a new slice is allocated
// otherwise.
package lzf
