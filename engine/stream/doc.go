// Package stream implements Redis 7.0's stream data type: entries with 128-bit
// IDs held in node listpacks in Redis's exact stream layout, consumer groups with
// their pending entries lists, and the counters behind XINFO (entries-added,
// max-deleted-entry-id, recorded-first-entry-id, entries-read, lag). It imports
// nothing of the engine; the engine's streams.go turns commands into calls here.
//
// Layout (t_stream.c). Entries live in nodes; a node is a listpack
// (engine/listpack, Redis's byte format) keyed by its master ID, the ID of the
// first entry added to it. The listpack starts with the master entry
//
//	count | deleted | num-fields | field-1 ... field-N | 0
//
// (live and deleted entry counts, and the field names of the node's first
// entry) followed by the entries, each
//
//	flags | ms-delta | seq-delta | num-fields | f-1 | v-1 ... | f-N | v-N | lp-count
//
// or, when its fields are the master's (flag SAMEFIELDS),
//
//	flags | ms-delta | seq-delta | v-1 ... v-N | lp-count
//
// where the deltas are relative to the master ID and lp-count is the number of
// elements before it in the entry, so the node can be walked backwards. XDEL
// only sets the DELETED flag (a tombstone) and updates the counters; a node with
// no live entry left is dropped. New nodes start when the last one reaches
// stream-node-max-bytes or stream-node-max-entries, exactly as Redis decides, so
// the same commands produce the same listpacks byte for byte: the persistence
// code writes them to RDB_TYPE_STREAM_LISTPACKS_2 files as they are.
//
// Main flow:
//
//	s := stream.New()
//	id, err := s.Add(fieldsValues, nil, true, nowMs, limits)  // XADD *
//	var it stream.Iterator                                     // XRANGE
//	it.Start(s, start, end, false)
//	for id, n, ok := it.Next(); ok; id, n, ok = it.Next() { ... it.Field() ... }
//	s.Delete(id); s.Trim(stream.TrimArgs{...})                 // XDEL, XTRIM
//	g := s.CreateGroup(name, s.LastID, stream.InvalidEntriesRead)
//	c := g.CreateConsumer(consumer, nowMs)
//	s.Advance(g, id); g.Deliver(id, c, nowMs); g.Ack(id)       // XREADGROUP, XACK
//
// The node index and the PELs (Redis's radix trees) are ordered maps of sorted
// chunks (idmap.go): cheap appends at the end, which is where IDs arrive, and
// few pointers for the garbage collector. XINFO's radix-tree-nodes is computed
// from the node keys as Redis's rax would lay them out (RaxNodes).
package stream
