// lazyfree.go: INFO's lazyfreed_objects, counted as Redis counts it (lazyfree.c).
//
// Redis frees a value in its lazyfree thread when an asynchronous deletion path
// (UNLINK, and DEL, expiry, eviction, overwrites and server-side deletes under the
// matching lazyfree-lazy-* option) drops a value whose free effort exceeds 64, and
// when FLUSHDB/FLUSHALL ASYNC (or a replica's lazy flush) hand a whole database to
// it: each such value, or each key of such a database, counts once. keygrid has no
// such thread: the garbage collector reclaims dropped values in the background
// anyway. The counter records the same decisions Redis makes, computed from keygrid's
// encodings, so clients reading it see what they would see from Redis. Nothing ever
// waits, so lazyfree_pending_objects is 0.

package engine

import (
	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/stream"
)

// lazyfreeThreshold is Redis's LAZYFREE_THRESHOLD: values whose free effort is at
// most this are freed on the spot even on an async path.
const lazyfreeThreshold = 64

// lazyfreeDrop records that an async deletion path dropped e's value: it counts when
// Redis would have handed the value to its lazyfree thread. O(1) except for streams
// with 2 to 63 nodes, whose radix-tree size has to be derived from their IDs.
func (s *Server) lazyfreeDrop(e *keyspace.Entry) { s.lazyfreeDropObj(e.Obj) }

// lazyfreeDropObj is lazyfreeDrop for a value held outside the keyspace (SUNION's and
// SDIFF's result set).
func (s *Server) lazyfreeDropObj(obj any) {
	if freeEffortExceeds(obj, lazyfreeThreshold) {
		s.stats.lazyfreed++
	}
}

// lazyfreeFlushed records a database of n keys emptied asynchronously (Redis's
// emptyDbAsync counts every key, whatever its size).
func (s *Server) lazyfreeFlushed(n int) { s.stats.lazyfreed += int64(n) }

// lazyfreeTable records a table of n items dropped asynchronously: the script cache
// (SCRIPT FLUSH) or the functions (FUNCTION FLUSH, a replica's lazy flush). Redis
// frees it in the background, counting every item, only when n exceeds the
// threshold (freeLuaScriptsAsync, freeFunctionsAsync).
func (s *Server) lazyfreeTable(n int) {
	if n > lazyfreeThreshold {
		s.stats.lazyfreed += int64(n)
	}
}

// flushIsAsync is the mode of SCRIPT FLUSH and FUNCTION FLUSH once their argument was
// checked: ASYNC, or no argument under lazyfree-lazy-user-flush.
func (c *Client) flushIsAsync() bool {
	if len(c.argv) == 2 {
		return c.srv.cfg.LazyfreeLazyUserFlush
	}
	return eqFold(c.argv[2], "async")
}

// freeEffortExceeds reports whether Redis's lazyfreeGetFreeEffort for a value held as
// obj would be above limit. Compact encodings (strings, intsets, listpacks) keep no
// Obj or one Redis frees as a single allocation: effort 1. A value moved away first
// (RENAME and MOVE clear Obj before deleting the source, where Redis holds an extra
// reference and frees synchronously) has no Obj either.
func freeEffortExceeds(obj any, limit int) bool {
	switch v := obj.(type) {
	case *listValue:
		return v.NodeCount() > limit // quicklist nodes
	case *setObj:
		return v.ht != nil && v.ht.Len() > limit
	case *hashTable:
		return v.d.Len() > limit
	case *zsetObj:
		return v.sl != nil && v.sl.Len() > limit
	case *streamObj:
		return streamFreeEffortExceeds(&v.Stream, limit)
	}
	return 1 > limit
}

// streamFreeEffortExceeds is lazyfreeGetFreeEffort for a stream: the nodes of the
// radix tree of node listpacks, plus, when it has groups, groups × (1 + the first
// group's PEL size) (Redis takes the first group, in name order, as typical).
func streamFreeEffortExceeds(st *stream.Stream, limit int) bool {
	effort := 0
	if gs := st.Groups(); len(gs) > 0 {
		effort = len(gs) * (1 + gs[0].PendingLen())
	}
	// A rax of n keys has a node per key plus the root: that bound settles most
	// streams without walking their IDs.
	n := st.NodeCount()
	switch {
	case n == 0:
		return effort+1 > limit
	case effort+n+1 > limit || n == 1:
		return effort+n+1 > limit
	}
	return effort+st.RaxNodes() > limit
}
