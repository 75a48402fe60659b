package engine

// Bounding what a script can allocate. Redis leaves Lua's heap unbounded (a
// runaway script grows used_memory_lua until the machine gives out); keygrid has
// two guards, because a Go process that runs out of memory is simply gone:
//
//   - gopher-lua keeps a table's integer keys below lua.MaxArrayIndex in a Go
//     slice, padding with nils up to the key: `t[60000000] = 1` in an empty table
//     would allocate ~1 GB (16 bytes a slot) in one instruction, where Lua 5.1
//     puts such a sparse key in the hash part. MaxArrayIndex is lowered from
//     gopher-lua's 64M to 16M: keys past it go to the hash part, as Lua 5.1 does
//     with sparse keys, so one assignment pads at most 256 MB. The price: `#t`
//     (and table.insert, which uses it) stops at 16M for arrays grown past that,
//     since gopher-lua's length only looks at the slice; a script holding 16M
//     elements is past what keygrid lets it allocate anyway (below).
//   - While a script runs with the instruction hook installed (busy-reply-threshold
//     above 0, the default), the heap is sampled every 16K instructions; once it
//     has grown more than script.mem.limit (1 GB) since the first sample, the
//     script is killed as SCRIPT KILL kills one (pcall cannot hold it), with
//     "ERR Script killed: not enough memory ...". Unlike SCRIPT KILL this also
//     ends a script that already wrote: keeping the server alive comes first, and
//     what the script wrote so far stays, as after any script error.

import (
	"runtime/metrics"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

const (
	// scriptMaxArrayIndex is what lua.MaxArrayIndex is set to (see above).
	scriptMaxArrayIndex = 1 << 24
	// scriptMemLimitDefault is the heap growth a script may cause.
	scriptMemLimitDefault = 1 << 30
	// heapObjectsMetric is the live-and-unswept heap, cheap to read (no STW).
	heapObjectsMetric = "/memory/classes/heap/objects:bytes"
)

func init() { lua.MaxArrayIndex = scriptMaxArrayIndex }

// scriptMem is the allocation guard's state (loop goroutine only).
type scriptMem struct {
	limit  int64 // heap growth allowed per script; 0: scriptMemLimitDefault
	base   int64 // heap when the running script started
	sample []metrics.Sample
	ticks  uint32
}

// heap reads the heap size.
func (m *scriptMem) heap() int64 {
	if m.sample == nil {
		m.sample = []metrics.Sample{{Name: heapObjectsMetric}}
	}
	metrics.Read(m.sample)
	if m.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(m.sample[0].Value.Uint64())
}

// start readies the guard for a script. The heap is first read at the first
// check, 16K instructions in, so that short scripts (EVALSHA's hot path) never
// pay for reading it; what a script allocates before that is not counted.
func (m *scriptMem) start() {
	m.base, m.ticks = -1, 0
}

// over reports, every 16th call (the hook calls every 1024 instructions),
// whether the running script grew the heap past the limit.
func (m *scriptMem) over() bool {
	m.ticks++
	if m.ticks&15 != 0 {
		return false
	}
	if m.base < 0 {
		m.base = m.heap()
		return false
	}
	return m.heap()-m.base > m.limitBytes()
}

func (m *scriptMem) limitBytes() int64 {
	if m.limit > 0 {
		return m.limit
	}
	return scriptMemLimitDefault
}

// errScriptOOM is the error a script killed by the guard ends with.
func (m *scriptMem) errText() string {
	return "ERR Script killed: not enough memory (it allocated more than " +
		strconv.FormatInt(m.limitBytes(), 10) + " bytes)"
}
