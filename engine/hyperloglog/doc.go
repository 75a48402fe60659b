// Package hyperloglog implements Redis 7.0's HyperLogLog byte for byte: the value
// PFADD leaves in a key is the string redis-server would hold after the same
// commands, so GET, DUMP/RESTORE, replication and RDB files carry HLLs between
// keygrid and Redis unchanged, and PFCOUNT answers the same number.
//
// An HLL is a plain []byte (what the engine stores as a string value):
//
//	"HYLL" <encoding u8> <3 unused bytes> <cached cardinality, 8 bytes LE> <data>
//
//	encoding 0 (dense):  16384 registers of 6 bits, packed LSB first, 12288 bytes;
//	                     a dense HLL is exactly DenseSize (12304) bytes long.
//	encoding 1 (sparse): run-length opcodes covering the 16384 registers:
//	                     00xxxxxx          ZERO:  1..64 registers at 0
//	                     01xxxxxx yyyyyyyy XZERO: 1..16384 registers at 0
//	                     1vvvvvxx          VAL:   1..4 registers at value 1..32
//
//	The cached cardinality is valid unless the top bit of its last byte is set;
//	every change to the registers sets that bit (Invalidate), PFCOUNT on one key
//	stores a fresh value (SetCached).
//
// An element goes to register hash&16383 with the count of the run of zero bits
// (plus one) that follows in MurmurHash64A(element, 0xadc83b19): the same hash,
// seed and bit extraction as Redis. A new HLL is sparse and becomes dense when a
// register needs a value above 32 or the sparse form would grow past
// hll-sparse-max-bytes (the maxSparse argument), at exactly the moments Redis
// promotes it, so the bytes match. Count is Otmar Ertl's estimator (the one Redis
// 5 and later use), computed with the same floating point operations in the same
// order, so it returns the same integer.
//
// Main flow:
//
//	h := hyperloglog.New()                      // empty sparse HLL, 18 bytes
//	h, r := hyperloglog.Add(h, ele, 3000)       // r: 1 changed, 0 not, -1 corrupt
//	hyperloglog.Invalidate(h)                   // after changes (PFADD does it)
//	n, ok := hyperloglog.Cached(h)              // PFCOUNT on one key ...
//	n, ok = hyperloglog.Count(h)                // ... recomputing when needed
//	hyperloglog.SetCached(h, n)
//	var regs hyperloglog.Raw                    // PFCOUNT on many keys, PFMERGE
//	ok = regs.Merge(h)
//	n = regs.Count()
//
// Strings from outside (SET, RESTORE) are untrusted: IsHLL is Redis's header check
// (isHLLObjectOrReply), and every function that walks sparse data reports corrupt
// data instead of reading or writing out of bounds. Nothing here panics on any
// input. The package imports only the standard library.
package hyperloglog
