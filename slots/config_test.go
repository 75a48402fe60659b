package slots

import (
	"math/rand/v2"
	"testing"
)

// naiveRanges is the model Ranges must agree with: one bit at a time.
func naiveRanges(b *Bitmap) []Range {
	var out []Range
	start := -1
	for s := 0; s <= Count; s++ {
		in := s < Count && b.Has(s)
		if in && start < 0 {
			start = s
		} else if !in && start >= 0 {
			out = append(out, Range{start, s - 1})
			start = -1
		}
	}
	return out
}

func TestBitmapRangesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var full Bitmap
	for s := 0; s < Count; s++ {
		full.Set(s)
	}
	cases := []Bitmap{{}, full}
	for i := 0; i < 300; i++ {
		var b Bitmap
		switch i % 3 {
		case 0: // scattered bits
			d := r.Float64()
			for s := 0; s < Count; s++ {
				if r.Float64() < d {
					b.Set(s)
				}
			}
		case 1: // long runs crossing word boundaries
			for s := r.IntN(200); s < Count; s += r.IntN(300) + 1 {
				for e := s; e < min(Count, s+r.IntN(500)); e++ {
					b.Set(e)
				}
			}
		default: // a whole word, or the last slot alone
			b = full
			b[r.IntN(len(b))] = 0
			b.Clear(Count - 2)
		}
		cases = append(cases, b)
	}
	for i := range cases {
		got, want := cases[i].Ranges(), naiveRanges(&cases[i])
		if len(got) != len(want) {
			t.Fatalf("case %d: %d ranges, want %d", i, len(got), len(want))
		}
		for j := range got {
			if got[j] != want[j] {
				t.Fatalf("case %d range %d: %v, want %v", i, j, got[j], want[j])
			}
		}
	}
}

// TestConfigFileGolden pins nodes.conf's bytes: the lines sorted by id, slot
// ranges, migrating and importing slots of myself, no node in handshake, and the
// vars line, as redis-server 7.0.15 writes them.
func TestConfigFileGolden(t *testing.T) {
	conf := redisNodesConf[:len(redisNodesConf)-len("vars currentEpoch 3 lastVoteEpoch 0\n")] +
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 127.0.0.1:17005@27005 handshake - 0 0 0 disconnected\n" +
		"vars currentEpoch 3 lastVoteEpoch 7\n"
	st, err := ParseConfig([]byte(conf), 42)
	if err != nil {
		t.Fatal(err)
	}
	st.Importing[7000] = st.Nodes["118b252e182564a02e70b96b6dc3cb76a4aafb24"]
	want := `118b252e182564a02e70b96b6dc3cb76a4aafb24 127.0.0.1:17003@27003,node-3.example master - 0 42 3 disconnected 10923-16383
294f73659c510e7023e826ae9b4970955eac1af6 127.0.0.1:17001@27001 myself,master - 0 42 1 connected 0-5460 [100->-5e8857659ef733692c6ad37b1a7be3eb313a97eb] [7000-<-118b252e182564a02e70b96b6dc3cb76a4aafb24]
5e8857659ef733692c6ad37b1a7be3eb313a97eb 127.0.0.1:17002@27002 master - 0 42 2 disconnected 5461-10922
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 127.0.0.1:17004@27004 slave,fail 294f73659c510e7023e826ae9b4970955eac1af6 42 42 1 disconnected
vars currentEpoch 3 lastVoteEpoch 7
`
	if got := string(st.ConfigFile()); got != want {
		t.Fatalf("ConfigFile:\n%s\nwant:\n%s", got, want)
	}
	// Appending to a used buffer keeps what was there.
	if got := string(st.AppendConfigFile([]byte("x"))); got != "x"+want {
		t.Fatalf("AppendConfigFile appended:\n%s", got)
	}
}
