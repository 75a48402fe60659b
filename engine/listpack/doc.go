// Package listpack implements Redis 7.0's listpack: a compact, pointer-free
// serialization of a sequence of strings and integers, byte-for-byte the format
// Redis writes into RDB files and DUMP payloads, so listpacks move between keygrid
// and Redis unchanged in both directions.
//
// A Listpack is just its bytes ([]byte): a million small hashes held as listpacks
// are a million pointer-free allocations the garbage collector never scans into.
//
// Format (all integers little endian):
//
//	<total-bytes u32> <num-elements u16> <entry> ... <entry> <0xFF>
//
//	num-elements is 65535 when the count does not fit ("unknown": count by walking).
//	entry = <encoding+data> <backlen>, where backlen is the size of encoding+data
//	as a 1-5 byte varint read right to left, so the list can be walked backwards.
//
//	0xxxxxxx                     7-bit unsigned integer 0..127
//	10xxxxxx <data>              string of up to 63 bytes
//	110xxxxx yyyyyyyy            13-bit signed integer
//	1110xxxx yyyyyyyy <data>     string of up to 4095 bytes (12-bit length)
//	11110000 <len u32> <data>    string, 32-bit length
//	11110001 / 0xF2 / 0xF3 / 0xF4  16 / 24 / 32 / 64-bit signed integer
//	11111111                     end of listpack
//
// Strings that are canonical decimal integers ("12", "-7", not "012", "+1" or
// "-0"; the rules of ParseInt) are stored as integers in the smallest encoding,
// exactly as Redis does, so the same sequence of appends produces the same bytes.
//
// Main flow:
//
//	lp := listpack.New()                 // or Listpack(b) after Validate(b, true)
//	lp.Append(v) / lp.Prepend(v)         // pointer receiver: may reallocate
//	for p := lp.First(); p >= 0; p = lp.Next(p) {
//		e := lp.Get(p)                   // e.Str views lp, or e.Int when e.IsInt
//	}
//	p := lp.Find(lp.First(), field, 1)   // hash lookup: compare every other entry
//	p = lp.Replace(p+..., v)             // positions are byte offsets
//
// Positions are byte offsets of entries (never the header or the terminator); -1
// means "no entry". Every mutation invalidates previously obtained positions except
// the one it returns, and every Entry.Str view into the listpack.
//
// Untrusted bytes (RESTORE payloads, RDB files) must pass Validate(b, true) before
// any other method touches them: the accessors trust the structure, as Redis's do,
// and would panic (index out of range) on corrupt input. Validate itself never
// panics. FromZiplist converts and validates Redis's pre-7.0 ziplist format.
//
// Where this package deliberately differs from listpack.c (the bytes written are
// the same):
//   - Validate computes lengths in int, not uint32, so a 32-bit string length
//     near 4 GiB cannot wrap around (in C only the backlen check stands between
//     such an entry and a misparse);
//   - mutations never shrink the allocation (Redis reallocs on every delete);
//     Clip gives back the spare room of a listpack done shrinking;
//   - Len walks the entries when the header count is 65535 but, being a read,
//     does not write a recount below 65535 back into the header as lpLength does.
package listpack
