package slots

import "testing"

// BenchmarkConfigFile is the encoding nodes.conf costs on every save (a CLUSTER
// SETSLOT, ADDSLOTS or gossip update): three masters with one slot migrating, and
// one node owning every slot.
func BenchmarkConfigFile(b *testing.B) {
	st, err := ParseConfig([]byte(redisNodesConf), 42)
	if err != nil {
		b.Fatal(err)
	}
	one := NewState(NewID())
	for s := 0; s < Count; s++ {
		one.SetOwner(s, one.Myself)
	}
	for _, c := range []struct {
		name string
		st   *State
	}{{"three-masters", st}, {"one-node-all-slots", one}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for i := 0; i < b.N; i++ {
				buf = c.st.AppendConfigFile(buf[:0])
			}
		})
	}
}
