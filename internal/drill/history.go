// Package drill is the checker side of keygrid's fault drills (issue #11): workloads
// record what clients did and what they were told, and checkers decide afterwards
// whether the system kept its promises — per-key linearizability of a register
// workload (porcupine), and lost, duplicated or reordered elements of an append-only
// list workload. Drills themselves (which process to kill, which link to cut) live
// with the tests that run them; this package only judges histories, so the same
// checkers serve process drills, network-namespace drills and compose drills.
package drill

import (
	"sync"
	"time"
)

// Outcome is what a client learned about one operation.
type Outcome int

const (
	// OK: the server acknowledged the operation (for a read: and returned Value).
	OK Outcome = iota
	// Failed: the server refused it (an error reply) — it certainly did not happen.
	Failed
	// Unknown: no reply (timeout, dropped connection). It may or may not have
	// happened, at any time after its call: a checker must allow both.
	Unknown
)

// Kind is an operation type.
type Kind int

const (
	Write  Kind = iota // SET key value
	Read               // GET key → value ("" with Found false for a missing key)
	Append             // RPUSH key value: the list workload
)

// Op is one completed operation of one client.
type Op struct {
	Client  int
	Kind    Kind
	Key     string
	Value   string // written or appended value; for reads, the value read
	Found   bool   // reads: the key existed
	Outcome Outcome
	Call    time.Time
	Return  time.Time // when the reply came (or the client gave up, for Unknown)
}

// History records the operations of concurrent clients. Its methods are safe for
// concurrent use.
type History struct {
	mu  sync.Mutex
	ops []Op
}

// Add records op.
func (h *History) Add(op Op) {
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// Ops returns a copy of the recorded operations.
func (h *History) Ops() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Op(nil), h.ops...)
}

// Acked returns the operations of kind k the server acknowledged.
func (h *History) Acked(k Kind) []Op {
	var out []Op
	for _, op := range h.Ops() {
		if op.Kind == k && op.Outcome == OK {
			out = append(out, op)
		}
	}
	return out
}
