package slots

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

// redisNodesConf is a nodes.conf written by redis-server 7.0.15 (a 3-master cluster
// made by redis-cli --cluster create, then CLUSTER SETSLOT 100 MIGRATING on the
// first node), with a replica, a failed node and a hostname added by hand in the
// format 7.0 writes them.
const redisNodesConf = `5e8857659ef733692c6ad37b1a7be3eb313a97eb 127.0.0.1:17002@27002 master - 0 1795642875385 2 connected 5461-10922
118b252e182564a02e70b96b6dc3cb76a4aafb24 127.0.0.1:17003@27003,node-3.example master - 0 1795642874000 3 connected 10923-16383
294f73659c510e7023e826ae9b4970955eac1af6 127.0.0.1:17001@27001 myself,master - 0 1795642873000 1 connected 0-5460 [100->-5e8857659ef733692c6ad37b1a7be3eb313a97eb]
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 127.0.0.1:17004@27004 slave,fail 294f73659c510e7023e826ae9b4970955eac1af6 1795642870000 1795642860000 1 disconnected
vars currentEpoch 3 lastVoteEpoch 0
`

func TestParseRedisNodesConf(t *testing.T) {
	st, err := ParseConfig([]byte(redisNodesConf), 42)
	if err != nil {
		t.Fatal(err)
	}
	me := st.Myself
	if me.ID != "294f73659c510e7023e826ae9b4970955eac1af6" || me.Port != 17001 || me.CPort != 27001 || !me.IsMaster() {
		t.Fatalf("myself = %+v", me)
	}
	if st.CurrentEpoch != 3 || st.LastVoteEpoch != 0 {
		t.Fatalf("epochs %d %d", st.CurrentEpoch, st.LastVoteEpoch)
	}
	for slot, want := range map[int]string{0: me.ID, 5460: me.ID, 5461: "5e8857659ef733692c6ad37b1a7be3eb313a97eb", 16383: "118b252e182564a02e70b96b6dc3cb76a4aafb24"} {
		if got := st.Owner[slot]; got == nil || got.ID != want {
			t.Errorf("owner of %d = %v, want %s", slot, got, want)
		}
	}
	if !st.Covered() {
		t.Error("all slots are assigned: Covered must be true")
	}
	if m := st.Migrating[100]; m == nil || m.ID != "5e8857659ef733692c6ad37b1a7be3eb313a97eb" {
		t.Errorf("slot 100 migrating to %v", m)
	}
	n3 := st.Node("118b252e182564a02e70b96b6dc3cb76a4aafb24")
	if n3.Hostname != "node-3.example" || n3.PongRecv != 42 {
		t.Errorf("node 3: %+v", n3)
	}
	r := st.Node("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	if !r.IsReplica() || r.Flags&FlagFail == 0 || r.MasterID != me.ID || r.Connected {
		t.Errorf("replica: %+v", r)
	}
	if reps := st.Replicas(me); len(reps) != 1 || reps[0] != r {
		t.Errorf("replicas of myself: %v", reps)
	}
	// Written back, the file says the same thing (times are now those of the load).
	again, err := ParseConfig(st.ConfigFile(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := sortedLines(string(st.ConfigFile())), sortedLines(string(again.ConfigFile())); a != b {
		t.Fatalf("round trip differs:\n%s\n---\n%s", a, b)
	}
	want := "294f73659c510e7023e826ae9b4970955eac1af6 127.0.0.1:17001@27001 myself,master - 0 42 1 connected 0-5460 [100->-5e8857659ef733692c6ad37b1a7be3eb313a97eb]"
	if got := st.Describe(me); got != want {
		t.Errorf("Describe(myself)\n got %s\nwant %s", got, want)
	}
	if got := st.Describe(r); got != "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 127.0.0.1:17004@27004 slave,fail 294f73659c510e7023e826ae9b4970955eac1af6 42 42 1 disconnected" {
		t.Errorf("Describe(replica) = %s", got)
	}
}

func sortedLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func TestParseConfigErrors(t *testing.T) {
	id := "294f73659c510e7023e826ae9b4970955eac1af6"
	for _, bad := range []string{
		"", // no myself
		id + " 127.0.0.1:1@2 myself,master - 0 0 1\n", // 7 fields
		id + " 127.0.0.1:1@2 myself,bogus - 0 0 1 connected\n",
		id + " 127.0.0.1 myself,master - 0 0 1 connected\n",
		id + " 127.0.0.1:1@2 myself,master - 0 0 x connected\n",
		id + " 127.0.0.1:1@2 myself,master - 0 0 1 connected 5-3\n",
		id + " 127.0.0.1:1@2 myself,master - 0 0 1 connected 16384\n",
		id + " 127.0.0.1:1@2 myself,master - 0 0 1 connected [5->-xyz]\n",
		id + " 127.0.0.1:1@2 myself,master - 0 0 1 connected [5-?-" + id + "]\n",
		"xyz 127.0.0.1:1@2 myself,master - 0 0 1 connected\n",
		id + " 127.0.0.1:1@2 myself,master notanid 0 0 1 connected\n",
		"vars currentEpoch x\n" + id + " 127.0.0.1:1@2 myself,master - 0 0 1 connected\n",
	} {
		if _, err := ParseConfig([]byte(bad), 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("ParseConfig(%q) = %v, want ErrCorrupt", bad, err)
		}
	}
}

func TestParseConfigOldAddrAndEpochFloor(t *testing.T) {
	id := "294f73659c510e7023e826ae9b4970955eac1af6"
	st, err := ParseConfig([]byte(id+" 10.0.0.1:7000 myself,master - 0 0 9 connected 0 2-3\nvars currentEpoch 4 lastVoteEpoch 2\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Myself.CPort != 17000 {
		t.Errorf("bus port without @ = %d, want port+10000", st.Myself.CPort)
	}
	if st.CurrentEpoch != 9 || st.LastVoteEpoch != 2 {
		t.Errorf("currentEpoch %d (want raised to 9), lastVoteEpoch %d", st.CurrentEpoch, st.LastVoteEpoch)
	}
	if got := st.Myself.Slots.Ranges(); len(got) != 2 || got[0] != (Range{0, 0}) || got[1] != (Range{2, 3}) {
		t.Errorf("ranges %v", got)
	}
}

func TestFlagsString(t *testing.T) {
	for f, want := range map[NodeFlags]string{
		0: "noflags", FlagMyself | FlagMaster: "myself,master", FlagReplica | FlagPFail: "slave,fail?",
		FlagMaster | FlagFail | FlagNoAddr: "master,fail,noaddr", FlagReplica | FlagNoFailover: "slave,nofailover",
		FlagHandshake: "handshake",
	} {
		if got := f.String(); got != want {
			t.Errorf("%b: %q, want %q", f, got, want)
		}
	}
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if !ValidID(a) || !ValidID(b) || a == b {
		t.Fatalf("ids %q %q", a, b)
	}
}

func TestBitmapRanges(t *testing.T) {
	var b Bitmap
	for _, s := range []int{0, 1, 2, 5, 63, 64, 65, 16383} {
		b.Set(s)
	}
	got := ""
	for _, r := range b.Ranges() {
		got += r.String() + " "
	}
	if got != "0-2 5 63-65 16383 " || b.Len() != 8 {
		t.Fatalf("ranges %q len %d", got, b.Len())
	}
	b.Clear(64)
	if b.Has(64) || !b.Has(65) || b.Len() != 7 {
		t.Fatal("Clear")
	}
}

// FuzzParseConfig: whatever the file holds, parsing errors or yields a state whose
// own file parses back to the same description.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(redisNodesConf))
	f.Add([]byte("294f73659c510e7023e826ae9b4970955eac1af6 :0@0 myself,master - 0 0 0 connected\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseConfig(data, 1)
		if err != nil {
			return
		}
		again, err := ParseConfig(st.ConfigFile(), 1)
		if err != nil {
			t.Fatalf("own file does not parse: %v\n%s", err, st.ConfigFile())
		}
		if a, b := string(st.ConfigFile()), string(again.ConfigFile()); a != b {
			t.Fatalf("round trip differs:\n%s\n---\n%s", a, b)
		}
	})
}

// A replica's line carries its master's config epoch, not its own: Redis's
// clusterGenNodeDescription, which redis-cli --cluster backup writes into
// nodes.json as the replica's "current_epoch".
func TestDescribeReplicaShowsMasterEpoch(t *testing.T) {
	st, err := ParseConfig([]byte(redisNodesConf), 42)
	if err != nil {
		t.Fatal(err)
	}
	r := st.Node("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	r.ConfigEpoch = 0 // a replica that never had an epoch of its own
	st.Myself.ConfigEpoch = 7
	if f := strings.Fields(st.Describe(r)); len(f) < 7 || f[6] != "7" {
		t.Fatalf("Describe(replica) = %s: want its master's epoch 7", st.Describe(r))
	}
}
