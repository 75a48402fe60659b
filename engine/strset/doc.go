// Package strset is a set of byte strings: the member table of large Redis sets, a
// chained hash table in the manner of Redis's dict.c (the one its sets use, with
// members as keys and no values), shaped for Go's garbage collector.
//
// It is keyspace.Dict (engine/keyspace) slimmed to what a set member needs: a member
// costs a 24-byte entry (the member string, its hash, the chain link) plus the member
// bytes and a 4-byte bucket, against keyspace.Dict's 64-byte entries, which carry a
// value, a TTL and engine metadata that set members never use. That difference is
// what keeps a million-member set within Redis's memory.
//
// What it keeps from keyspace.Dict, and why:
//   - Scan is Redis's dictScan: a reverse-binary cursor, so SSCAN returns every member
//     present from start to end, even while the table grows or shrinks between calls;
//   - Random is uniform over the members (sampling the entry slab), for SPOP and
//     SRANDMEMBER;
//   - resizing is incremental (Rehash), two tables during a resize, so growing a huge
//     set never stalls the event loop;
//   - entries live in a slab of fixed-address chunks named by a Ref (index+1), and the
//     bucket arrays hold int32 heads, so the tables hold no pointers for the GC to scan.
//
// A Set is not safe for concurrent use: only the event loop touches it.
package strset
