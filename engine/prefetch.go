package engine

// Lookahead over pipelined requests (issue #3: a big keyspace must not slow the loop).
//
// With millions of keys every lookup misses the CPU caches two or three times in a
// row (bucket slot, entry, key bytes; keyspace/prefetch.go). When one read brings
// several complete requests, processInput first scans the next few of them without
// executing anything, queues their keys and lets keyspace.Prefetch load the table
// memory of all of them level by level, so the misses overlap; then the requests run
// as usual and find their keys in cache. The scan only reads the query buffer and the
// command table: nothing it does is visible to the commands, and anything it does not
// understand (inline requests, a partial request, commands whose keys need a
// procedure to find) simply ends the window or is skipped.

import (
	"github.com/keygrid/keygrid/engine/keyspace"
)

// prefetchBatch is the Server's lookahead batch (one per server: only the loop uses it).
type prefetchBatch = keyspace.Prefetch

// prefetchMinKeys is the database size from which the lookahead runs. Its scan costs
// about 50 ns per request (BenchmarkBigKeyspace, KEYGRID_BENCH_KEYS=1000, lookahead
// forced on), which only pays when lookups miss the caches: 128k keys are about
// 12 MiB of entries, key bytes and buckets, far past a core's L2 (2 MiB here); with
// random keys over 60k-300k keys it already halved the CPU time per pipelined GET
// on this (loaded) machine. A variable so tests can run it over small keyspaces.
var prefetchMinKeys = 1 << 17

const (
	// prefetchWindow is how many requests one scan covers. Sixteen keys keep enough
	// misses in flight for the CPU's fill buffers without overrunning its reorder
	// window, and match redis-benchmark's -P 16.
	prefetchWindow = 16
)

// prefetchAhead scans the complete requests at the start of buf (up to
// prefetchWindow of them, or keyspace.PrefetchMax keys), queues the keys of those
// with a fixed key range, and loads their table memory when there are at least two
// keys to overlap. It returns how many bytes the scanned requests span, 0 when
// there is nothing worth looking ahead at (a single request, an inline or
// partial one first).
func (s *Server) prefetchAhead(c *Client, buf []byte) int {
	pf := s.prefetch
	if pf == nil {
		pf = new(prefetchBatch)
		s.prefetch = pf
	}
	db := c.db
	last := c.lastTop
	pos, reqs := 0, 0
	for reqs < prefetchWindow && !pf.Full() && pos < len(buf) && buf[pos] == '*' {
		argc, p, ok := prefetchLen(buf, pos+1)
		if !ok || argc <= 0 || argc > 1024 {
			break
		}
		var cmd *Command
		first, lastKey, step := 0, -1, 1
		complete := true
		for j := 0; j < int(argc); j++ {
			if p >= len(buf) || buf[p] != '$' {
				complete = false
				break
			}
			n, q, ok := prefetchLen(buf, p+1)
			if !ok || n < 0 || int64(len(buf)-q) < n+2 {
				complete = false
				break
			}
			arg := buf[q : q+int(n)]
			p = q + int(n) + 2
			if j == 0 {
				if last == nil || !eqFold(arg, last.key) {
					last = s.commands.Lookup(arg)
				}
				cmd = last
				// Commands whose keys a procedure finds (EVAL, ZUNIONSTORE, ...) and
				// containers (their subcommands' keys differ) are not looked ahead.
				if cmd != nil && cmd.FirstKey > 0 && cmd.Keys == nil && len(cmd.Subs) == 0 {
					first, lastKey, step = cmd.FirstKey, cmd.LastKey, max(cmd.Step, 1)
					if lastKey < 0 {
						lastKey += int(argc)
					}
				}
				continue
			}
			if first > 0 && j >= first && j <= lastKey && (j-first)%step == 0 {
				pf.Add(db.dictFor(arg), arg)
			}
		}
		if !complete {
			break // the real parser deals with it (or waits for the rest)
		}
		pos = p
		reqs++
	}
	if reqs < 2 || pf.Len() < 2 {
		pf.Reset()
		return 0
	}
	pf.Run()
	return pos
}

// prefetchLen reads the decimal number of a "*<n>\r\n" or "$<n>\r\n" line whose digits
// start at buf[i], and returns it and the position after the line. ok is false when
// the line is incomplete or not a plain non-negative number; the real parser then
// reports or waits. It is laxer than the real parser (leading zeros pass): the scan
// only decides what to load, never what runs.
func prefetchLen(buf []byte, i int) (n int64, next int, ok bool) {
	start := i
	for ; i < len(buf); i++ {
		c := buf[i]
		if c == '\r' {
			break
		}
		if c < '0' || c > '9' || i-start >= 18 {
			return 0, 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if i == start || i+1 >= len(buf) {
		return 0, 0, false
	}
	return n, i + 2, true
}
