package engine

import (
	"fmt"
	"testing"
)

// BenchmarkTypesHotPath runs the data-type commands of redis-benchmark's -t incr,sadd,spop
// as it sends them (no -r: one key, one member), one and sixteen per read, through
// processInput. SPOP after SADD pops the one member, so most SPOPs of redis-benchmark find
// no key: SPOP/P16 is that case; SADD+SPOP alternates an add and a real pop. The bar is
// 0 allocs/op.
func BenchmarkTypesHotPath(b *testing.B) {
	for _, tc := range []struct {
		name string
		cmds [][]string
	}{
		{"INCR", [][]string{{"INCR", "counter:__rand_int__"}}},
		{"SADD", [][]string{{"SADD", "myset", "element:__rand_int__"}}},
		{"SPOP", [][]string{{"SPOP", "myset"}}},
		{"SADD+SPOP", [][]string{{"SADD", "myset", "element:__rand_int__"}, {"SPOP", "myset"}}},
	} {
		for _, p := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/P%d", tc.name, p), func(b *testing.B) {
				s, c := benchClient(b)
				var buf []byte
				for i := 0; i < p; i += len(tc.cmds) {
					for _, cmd := range tc.cmds {
						buf = append(buf, pipeline(1, cmd...)...)
					}
				}
				s.processInput(c, buf)
				c.out = c.out[:0]
				s.pendingWrite = s.pendingWrite[:0]
				c.flags &^= flagPendingWrite
				benchInput(b, s, c, buf, p)
			})
		}
	}
}
