package drill

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// registerIn and registerOut are a register operation's input and output for
// porcupine.
type registerIn struct {
	write bool
	value string
}

type registerOut struct {
	value string
	found bool
}

type registerState struct {
	value string
	found bool
}

// registerModel is one key of a key-value store: SET overwrites, GET returns the
// last value written (or nothing before the first write). Histories are partitioned
// by key, which keeps checking linear in the number of keys.
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Metadata.(string)
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return registerState{} },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st, in := state.(registerState), input.(registerIn)
		if in.write {
			return true, registerState{value: in.value, found: true}
		}
		out := output.(registerOut)
		return out.found == st.found && out.value == st.value, st
	},
	DescribeOperation: func(input, output interface{}) string {
		in := input.(registerIn)
		if in.write {
			return fmt.Sprintf("set(%q)", in.value)
		}
		out := output.(registerOut)
		if !out.found {
			return "get() -> nil"
		}
		return fmt.Sprintf("get() -> %q", out.value)
	},
}

// CheckRegisters checks that the Write and Read operations of h are linearizable per
// key. A write with an Unknown outcome may take effect at any time after its call (or
// never); failed operations and reads without a reply constrain nothing. It returns
// porcupine's verdict: Ok, Illegal, or Unknown when timeout ran out first.
func CheckRegisters(ops []Op, timeout time.Duration) porcupine.CheckResult {
	var hist []porcupine.Operation
	var t0 time.Time
	for _, op := range ops {
		if t0.IsZero() || op.Call.Before(t0) {
			t0 = op.Call
		}
	}
	for _, op := range ops {
		if op.Kind != Write && op.Kind != Read || op.Outcome == Failed || (op.Kind == Read && op.Outcome == Unknown) {
			continue
		}
		ret := op.Return.Sub(t0).Nanoseconds()
		if op.Outcome == Unknown {
			ret = math.MaxInt64 // may have happened any time after the call
		}
		hist = append(hist, porcupine.Operation{
			ClientId: op.Client,
			Input:    registerIn{write: op.Kind == Write, value: op.Value},
			Output:   registerOut{value: op.Value, found: op.Found},
			Call:     op.Call.Sub(t0).Nanoseconds(),
			Return:   ret,
			Metadata: op.Key,
		})
	}
	return porcupine.CheckOperationsTimeout(registerModel, hist, timeout)
}

// ListReport is the verdict of the list-append checker for one list.
type ListReport struct {
	Acked      int      // appends the server acknowledged
	Lost       []string // acknowledged appends missing from the final list
	Duplicated []string // values present more than once
	Phantom    []string // values present that no client appended, or whose append was refused
	Reordered  []string // values found before an append acknowledged before they were even sent
}

// OK reports whether the list kept every promise.
func (r ListReport) OK() bool {
	return len(r.Lost) == 0 && len(r.Duplicated) == 0 && len(r.Phantom) == 0 && len(r.Reordered) == 0
}

func (r ListReport) String() string {
	return fmt.Sprintf("acked=%d lost=%d duplicated=%d phantom=%d reordered=%d",
		r.Acked, len(r.Lost), len(r.Duplicated), len(r.Phantom), len(r.Reordered))
}

// CheckList judges the Append operations on key against final, the list read once
// the system recovered. Every appended value must be unique (the workload's job).
// Real-time order is the promise: if append a was acknowledged before append b was
// sent, a must come before b in the list.
func CheckList(ops []Op, key string, final []string) ListReport {
	var rep ListReport
	byValue := map[string]Op{}
	for _, op := range ops {
		if op.Kind == Append && op.Key == key {
			byValue[op.Value] = op
			if op.Outcome == OK {
				rep.Acked++
			}
		}
	}
	pos := map[string]int{}
	for i, v := range final {
		if _, dup := pos[v]; dup {
			rep.Duplicated = append(rep.Duplicated, v)
			continue
		}
		pos[v] = i
		if op, ok := byValue[v]; !ok || op.Outcome == Failed {
			rep.Phantom = append(rep.Phantom, v)
		}
	}
	var present []Op // ops whose value is in the list, for the order check
	for v, op := range byValue {
		_, in := pos[v]
		if op.Outcome == OK && !in {
			rep.Lost = append(rep.Lost, v)
		}
		if in && op.Outcome != Failed {
			present = append(present, op)
		}
	}
	sort.Strings(rep.Lost)
	// Sweep the present ops in call order; before each, admit every acknowledged op
	// that returned before it was called, tracking their greatest list position: a
	// greater position than the op's own means it was put before something that
	// finished before it started.
	byCall := append([]Op(nil), present...)
	sort.Slice(byCall, func(i, j int) bool { return byCall[i].Call.Before(byCall[j].Call) })
	var byReturn []Op
	for _, op := range present {
		if op.Outcome == OK {
			byReturn = append(byReturn, op)
		}
	}
	sort.Slice(byReturn, func(i, j int) bool { return byReturn[i].Return.Before(byReturn[j].Return) })
	maxPos, j := -1, 0
	for _, b := range byCall {
		for j < len(byReturn) && byReturn[j].Return.Before(b.Call) {
			if p := pos[byReturn[j].Value]; p > maxPos {
				maxPos = p
			}
			j++
		}
		if maxPos > pos[b.Value] {
			rep.Reordered = append(rep.Reordered, b.Value)
		}
	}
	sort.Strings(rep.Reordered)
	return rep
}

// DurabilityReport is the verdict on acknowledged writes after a crash and restart.
type DurabilityReport struct {
	Acked int
	Lost  []Op // acknowledged writes whose key is missing or holds another value
	// MaxLostAge is, over the lost writes, the longest time between the
	// acknowledgement and the crash: with appendfsync everysec it must stay under
	// about two seconds; with always, there must be no lost write at all.
	MaxLostAge time.Duration
}

// CheckDurability compares the acknowledged Writes among ops (each to its own key,
// as the unique-key workload does) with what the restarted server holds (get), for a
// crash at crash.
func CheckDurability(ops []Op, crash time.Time, get func(key string) (string, bool, error)) (DurabilityReport, error) {
	return CheckDurabilityCrashes(ops, []time.Time{crash}, get)
}

// CheckDurabilityCrashes is CheckDurability for a run with several crashes (sorted,
// as a drill records them): a lost write's age is measured to the first crash after
// its acknowledgement, the one that lost it. A write acknowledged after the last
// crash can only be lost by a bug; its age is measured to the last crash, which
// makes it negative and so visible.
func CheckDurabilityCrashes(ops []Op, crashes []time.Time, get func(key string) (string, bool, error)) (DurabilityReport, error) {
	var rep DurabilityReport
	for _, op := range ops {
		if op.Kind != Write || op.Outcome != OK {
			continue
		}
		rep.Acked++
		v, found, err := get(op.Key)
		if err != nil {
			return rep, err
		}
		if !found || v != op.Value {
			rep.Lost = append(rep.Lost, op)
			crash := crashes[len(crashes)-1]
			for _, c := range crashes {
				if !c.Before(op.Return) {
					crash = c
					break
				}
			}
			if age := crash.Sub(op.Return); age > rep.MaxLostAge {
				rep.MaxLostAge = age
			}
		}
	}
	return rep, nil
}
