// The command table: learned from COMMAND on a backend at startup, so key positions
// and flags are exactly the cluster's, plus the few rules the proxy adds (which
// commands it answers itself, splits, or runs on a dedicated connection).

package proxy

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
)

// How the proxy treats a command.
type cmdKind uint8

const (
	kindForward   cmdKind = iota // route by key (or to any master when keyless)
	kindLocal                    // answered by the proxy (PING, HELLO, AUTH, SELECT, ...)
	kindSplit                    // multi-key command split per slot (MGET, MSET, DEL, ...)
	kindBlocking                 // runs on a dedicated connection until it replies
	kindTxn                      // MULTI, EXEC, DISCARD, WATCH, UNWATCH
	kindSubscribe                // enters pub/sub mode on a dedicated connection
	kindAll                      // runs on every master and merges (DBSIZE, SCAN, KEYS, ...)
	kindDenied                   // makes no sense through a proxy
)

// How the replies of split parts are merged.
const (
	mergeNone  = iota
	mergeArray // MGET: elements back in key order
	mergeOK    // MSET: +OK if every part said so
	mergeSum   // DEL, UNLINK, EXISTS, TOUCH: the sum of the integers
)

type cmdInfo struct {
	name        string
	arity       int
	first, last int // legacy key range (last < 0 counts from the end)
	step        int
	readonly    bool
	movable     bool
	kind        cmdKind
	merge       int
	keyStep     int // for split commands: arguments per key (2 for MSET)
	stats       *cmdStats
}

type cmdTable struct {
	m map[string]*cmdInfo
}

// lookup finds argv[0] (any case) without allocating; scratch is a reused buffer.
func (t *cmdTable) lookup(name []byte, scratch *[]byte) *cmdInfo {
	b := append((*scratch)[:0], name...)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	*scratch = b
	return t.m[string(b)]
}

// buildTable turns a COMMAND reply into the table.
func buildTable(v resp.Value, metrics *metrics) *cmdTable {
	t := &cmdTable{m: map[string]*cmdInfo{}}
	var add func(e resp.Value, parent string)
	add = func(e resp.Value, parent string) {
		if len(e.Elems) < 6 {
			return
		}
		ci := &cmdInfo{
			name:  strings.ToLower(e.Elems[0].Str),
			arity: int(e.Elems[1].Int),
			first: int(e.Elems[3].Int),
			last:  int(e.Elems[4].Int),
			step:  int(e.Elems[5].Int),
		}
		for _, f := range e.Elems[2].Elems {
			switch f.Str {
			case "readonly":
				ci.readonly = true
			case "movablekeys":
				ci.movable = true
			case "blocking":
				ci.kind = kindBlocking
			}
		}
		if parent == "" {
			t.m[ci.name] = ci
			ci.stats = metrics.forCommand(ci.name)
		} else {
			ci.stats = metrics.forCommand(ci.name)
			t.m[ci.name] = ci // "object|encoding"
		}
		if len(e.Elems) > 9 {
			for _, sub := range e.Elems[9].Elems {
				add(sub, ci.name)
			}
		}
	}
	for _, e := range v.Elems {
		add(e, "")
	}
	set := func(kind cmdKind, names ...string) {
		for _, n := range names {
			if ci := t.m[n]; ci != nil {
				ci.kind = kind
			} else {
				t.m[n] = &cmdInfo{name: n, arity: -1, kind: kind, stats: metrics.forCommand(n)}
			}
		}
	}
	set(kindLocal, "ping", "echo", "quit", "hello", "auth", "select", "readonly", "readwrite", "client", "reset")
	set(kindTxn, "multi", "exec", "discard", "watch", "unwatch")
	// WAIT blocks its connection until replicas acknowledge: never on a shared one.
	set(kindBlocking, "wait")
	set(kindSubscribe, "subscribe", "psubscribe", "ssubscribe")
	set(kindAll, "dbsize", "scan", "keys", "info", "flushall", "flushdb", "randomkey", "script", "function")
	set(kindDenied, "migrate", "move", "swapdb", "monitor", "sync", "psync", "replicaof", "slaveof",
		"unsubscribe", "punsubscribe", "sunsubscribe")
	for _, s := range []struct {
		name  string
		merge int
		step  int
	}{{"mget", mergeArray, 1}, {"mset", mergeOK, 2}, {"del", mergeSum, 1}, {"unlink", mergeSum, 1},
		{"exists", mergeSum, 1}, {"touch", mergeSum, 1}} {
		if ci := t.m[s.name]; ci != nil {
			ci.kind, ci.merge, ci.keyStep = kindSplit, s.merge, s.step
		}
	}
	return t
}

// keyIndexes appends to dst the positions of the keys of argv; ok is false when the
// arguments are too malformed to tell (the backend will then report the error).
func (ci *cmdInfo) keyIndexes(argv [][]byte, dst []int) []int {
	argc := len(argv)
	if ci.movable {
		return movableKeys(ci.name, argv, dst)
	}
	if ci.first <= 0 {
		return dst
	}
	last := ci.last
	if last < 0 {
		last = argc + last
	}
	step := max(ci.step, 1)
	for i := ci.first; i <= last && i < argc; i += step {
		dst = append(dst, i)
	}
	return dst
}

// movableKeys finds the keys of commands whose key positions depend on arguments.
func movableKeys(name string, argv [][]byte, dst []int) []int {
	argc := len(argv)
	numkeysAt := func(at, firstKey int) []int {
		if at >= argc {
			return dst
		}
		n, err := strconv.Atoi(string(argv[at]))
		if err != nil || n < 0 {
			return dst
		}
		for i := firstKey; i < firstKey+n && i < argc; i++ {
			dst = append(dst, i)
		}
		return dst
	}
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return numkeysAt(2, 3)
	case "zunionstore", "zinterstore", "zdiffstore":
		dst = append(dst, 1)
		return numkeysAt(2, 3)
	case "zunion", "zinter", "zdiff", "sintercard", "zintercard", "lmpop", "zmpop":
		return numkeysAt(1, 2)
	case "blmpop", "bzmpop":
		return numkeysAt(2, 3)
	case "xread", "xreadgroup":
		for i := 1; i < argc; i++ {
			if bytes.EqualFold(argv[i], []byte("streams")) {
				n := (argc - i - 1) / 2
				for j := i + 1; j < i+1+n; j++ {
					dst = append(dst, j)
				}
				break
			}
		}
		return dst
	case "sort", "sort_ro":
		if argc > 1 {
			dst = append(dst, 1)
		}
		for i := 2; i+1 < argc; i++ {
			if bytes.EqualFold(argv[i], []byte("store")) {
				dst = append(dst, i+1)
			}
		}
		return dst
	case "georadius", "georadiusbymember":
		if argc > 1 {
			dst = append(dst, 1)
		}
		for i := 2; i+1 < argc; i++ {
			if bytes.EqualFold(argv[i], []byte("store")) || bytes.EqualFold(argv[i], []byte("storedist")) {
				dst = append(dst, i+1)
			}
		}
		return dst
	}
	if argc > 1 { // unknown movable command: its first argument is the best guess
		dst = append(dst, 1)
	}
	return dst
}

// slotOf returns the common slot of the keys at idx, -1 when there are none, or -2
// when they hash to different slots.
func slotOf(argv [][]byte, idx []int) int {
	slot := -1
	for _, i := range idx {
		s := slots.Slot(argv[i])
		if slot >= 0 && s != slot {
			return -2
		}
		slot = s
	}
	return slot
}
