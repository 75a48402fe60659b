// Package fieldtable is a table of field-value pairs of byte strings: the field table
// of large Redis hashes, a chained hash table in the manner of Redis's dict.c (the one
// its hashes use, fields as keys and values as values), shaped for Go's garbage
// collector.
//
// It is keyspace.Dict (engine/keyspace) slimmed to what a hash field needs, as
// engine/strset is for set members: a field costs a 32-byte entry (one string holding
// the field's bytes followed by the value's, the field's length, its hash, the chain
// link) plus that one allocation and a 4-byte bucket, against keyspace.Dict's 64-byte
// entries, which carry a value object, a TTL and engine metadata that hash fields
// never use. That difference keeps a million-field hash well within Redis's memory
// (Redis spends a 24-byte dictEntry and two sds allocations per field).
//
// What it keeps from keyspace.Dict, and why:
//   - Scan is Redis's dictScan: a reverse-binary cursor, so HSCAN returns every field
//     present from start to end, even while the table grows or shrinks between calls;
//   - Random is uniform over the fields (sampling the entry slab), for HRANDFIELD;
//   - resizing is incremental (Rehash), two tables during a resize, so growing a huge
//     hash never stalls the event loop;
//   - entries live in a slab of fixed-address chunks named by a Ref (index+1), and the
//     bucket arrays hold int32 heads, so the tables hold no pointers for the GC to scan;
//   - a value of the same length as the old one is overwritten in place (SetValue), so
//     rewriting fixed-size values allocates nothing.
//
// Main flow:
//
//	t := fieldtable.New()
//	t.Expand(n)                          // optional: size for n fields at once
//	r, existed := t.Set(field, value)    // insert or update
//	r = t.Find(field); t.Value(r)        // lookup
//	t.Remove(field); t.ShrinkIfNeeded()  // delete, then give memory back as Redis does
//	for c := t.Scan(0, fn); c != 0; c = t.Scan(c, fn) {}
//
// A Table is not safe for concurrent use: only the event loop touches it.
package fieldtable
