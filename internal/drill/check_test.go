package drill

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

var t0 = time.Unix(1_800_000_000, 0)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func w(client int, key, v string, call, ret int, o Outcome) Op {
	return Op{Client: client, Kind: Write, Key: key, Value: v, Outcome: o, Call: at(call), Return: at(ret)}
}

func r(client int, key, v string, found bool, call, ret int) Op {
	return Op{Client: client, Kind: Read, Key: key, Value: v, Found: found, Outcome: OK, Call: at(call), Return: at(ret)}
}

func TestCheckRegisters(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []Op
		want porcupine.CheckResult
	}{
		{"sequential", []Op{w(0, "k", "1", 0, 1, OK), r(1, "k", "1", true, 2, 3)}, porcupine.Ok},
		{"read before any write", []Op{r(1, "k", "", false, 0, 1), w(0, "k", "1", 2, 3, OK)}, porcupine.Ok},
		{"stale read", []Op{w(0, "k", "1", 0, 1, OK), w(0, "k", "2", 2, 3, OK), r(1, "k", "1", true, 4, 5)}, porcupine.Illegal},
		{"concurrent read may see either", []Op{w(0, "k", "1", 0, 1, OK), w(0, "k", "2", 2, 6, OK), r(1, "k", "1", true, 3, 4)}, porcupine.Ok},
		{"lost acknowledged write", []Op{w(0, "k", "1", 0, 1, OK), r(1, "k", "", false, 2, 3)}, porcupine.Illegal},
		{"unknown write may apply late", []Op{w(0, "k", "1", 0, 1, Unknown), r(1, "k", "", false, 2, 3), r(1, "k", "1", true, 4, 5)}, porcupine.Ok},
		{"unknown write may never apply", []Op{w(0, "k", "1", 0, 1, Unknown), r(1, "k", "", false, 20, 30)}, porcupine.Ok},
		{"failed write must not apply", []Op{w(0, "k", "1", 0, 1, Failed), r(1, "k", "1", true, 2, 3)}, porcupine.Illegal},
		{"keys are independent", []Op{w(0, "a", "1", 0, 1, OK), w(0, "b", "2", 0, 1, OK), r(1, "a", "1", true, 2, 3), r(1, "b", "2", true, 2, 3)}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckRegisters(tc.ops, 10*time.Second); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func app(client int, v string, call, ret int, o Outcome) Op {
	return Op{Client: client, Kind: Append, Key: "l", Value: v, Outcome: o, Call: at(call), Return: at(ret)}
}

func TestCheckList(t *testing.T) {
	ops := []Op{
		app(0, "a", 0, 1, OK),
		app(1, "b", 0, 5, OK), // concurrent with c: either order
		app(0, "c", 2, 3, OK),
		app(0, "d", 4, 6, Unknown),
		app(1, "e", 7, 8, Failed),
		app(0, "f", 9, 10, OK),
	}
	for _, tc := range []struct {
		name  string
		final []string
		want  ListReport
	}{
		{"all there", []string{"a", "c", "b", "d", "f"}, ListReport{Acked: 4}},
		{"concurrent order either way, unknown may be missing", []string{"a", "b", "c", "f"}, ListReport{Acked: 4}},
		{"lost", []string{"a", "b", "f"}, ListReport{Acked: 4, Lost: []string{"c"}}},
		{"duplicated", []string{"a", "b", "c", "c", "f"}, ListReport{Acked: 4, Duplicated: []string{"c"}}},
		{"refused but applied, and unknown value", []string{"a", "b", "c", "e", "zz", "f"}, ListReport{Acked: 4, Phantom: []string{"e", "zz"}}},
		{"reordered", []string{"c", "a", "b", "f"}, ListReport{Acked: 4, Reordered: []string{"c"}}},
		{"f before what finished before it", []string{"f", "a", "b", "c"}, ListReport{Acked: 4, Reordered: []string{"f"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckList(ops, "l", tc.final)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if got.OK() != (len(tc.want.Lost)+len(tc.want.Duplicated)+len(tc.want.Phantom)+len(tc.want.Reordered) == 0) {
				t.Fatal("OK() disagrees")
			}
		})
	}
}

func TestCheckDurability(t *testing.T) {
	ops := []Op{w(0, "k1", "v1", 0, 100, OK), w(0, "k2", "v2", 200, 300, OK), w(0, "k3", "v3", 400, 500, Unknown), w(0, "k4", "v4", 600, 700, OK)}
	store := map[string]string{"k1": "v1", "k2": "other"}
	rep, err := CheckDurability(ops, at(1000), func(k string) (string, bool, error) { v, ok := store[k]; return v, ok, nil })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Acked != 3 || len(rep.Lost) != 2 || rep.Lost[0].Key != "k2" || rep.Lost[1].Key != "k4" || rep.MaxLostAge != 700*time.Millisecond {
		t.Fatalf("%+v", rep)
	}
}

func TestCheckDurabilityCrashes(t *testing.T) {
	ops := []Op{w(0, "k1", "v1", 0, 100, OK), w(0, "k2", "v2", 1200, 1300, OK), w(0, "k3", "v3", 1900, 1950, OK), w(0, "k4", "v4", 2500, 2600, OK)}
	store := map[string]string{"k1": "v1", "k4": "v4"}
	rep, err := CheckDurabilityCrashes(ops, []time.Time{at(1000), at(2000)}, func(k string) (string, bool, error) { v, ok := store[k]; return v, ok, nil })
	if err != nil {
		t.Fatal(err)
	}
	// k2 was acknowledged 700 ms before the second crash, k3 50 ms before it.
	if rep.Acked != 4 || len(rep.Lost) != 2 || rep.MaxLostAge != 700*time.Millisecond {
		t.Fatalf("%+v", rep)
	}
}

func TestResultJSON(t *testing.T) {
	r := Result{Drill: "kill9-always", Fault: "kill -9", Cycles: 3, Acked: 100, RecoveryMs: []int64{30, 10, 20}, Bar: "0 lost", Pass: true}
	if med, max := r.RecoveryStats(); med != 20*time.Millisecond || max != 30*time.Millisecond {
		t.Fatalf("stats %v %v", med, max)
	}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Drill != r.Drill || len(back.RecoveryMs) != 3 {
		t.Fatalf("%v %+v", err, back)
	}
	dir := t.TempDir()
	if p, err := r.Save(dir); err != nil || p == "" {
		t.Fatal(err)
	}
}
