// redis_test.go: byte-for-byte agreement with the node listpacks a real Redis
// 7.0 builds (testdata/redis-vectors.json.gz, made by testdata/redisgen: see
// its doc comment).

package stream

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/listpack"
)

type redisVectors struct {
	Redis   string `json:"redis"`
	Vectors []struct {
		Name     string     `json:"name"`
		Commands [][]string `json:"commands"`
		Nodes    []struct {
			Master   string `json:"master"`
			Listpack string `json:"listpack"`
		} `json:"nodes"`
		Length       uint64 `json:"length"`
		LastID       string `json:"last_id"`
		FirstID      string `json:"first_id"`
		MaxDeletedID string `json:"max_deleted_id"`
		EntriesAdded uint64 `json:"entries_added"`
		RaxNodes     int    `json:"radix_tree_nodes"`
	} `json:"vectors"`
}

func loadRedisVectors(t testing.TB) redisVectors {
	f, err := os.Open("testdata/redis-vectors.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var v redisVectors
	if err := json.NewDecoder(zr).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustID(t testing.TB, s string) ID {
	id, _, ok := ParseID([]byte(s), 0, 0)
	if !ok {
		t.Fatalf("bad ID %q", s)
	}
	return id
}

// replay runs the commands of a vector on a stream, as the engine's XADD, XDEL
// and XTRIM would (without their argument checking: the vectors are well formed).
func replay(t *testing.T, cmds [][]string) *Stream {
	s := New()
	var lim Limits
	for _, cmd := range cmds {
		switch strings.ToUpper(cmd[0]) {
		case "CONFIG":
			for i := 2; i+1 < len(cmd); i += 2 {
				n, _ := strconv.ParseInt(cmd[i+1], 10, 64)
				switch cmd[i] {
				case "stream-node-max-entries":
					lim.NodeMaxEntries = n
				case "stream-node-max-bytes":
					lim.NodeMaxBytes = n
				}
			}
		case "XADD":
			i := 2
			args := parseTrim(t, cmd, &i, true)
			id, seqGiven, ok := ParseID([]byte(cmd[i]), 0, Strict|SeqStar)
			if !ok {
				t.Fatalf("bad XADD ID in %q", cmd)
			}
			fv := make([][]byte, 0, len(cmd)-i-1)
			for _, a := range cmd[i+1:] {
				fv = append(fv, []byte(a))
			}
			if _, err := s.Add(fv, &id, seqGiven, 0, lim); err != nil && err != ErrIDTooSmall {
				t.Fatalf("%q: %v", cmd, err)
			} else if err == nil {
				s.Trim(args)
			}
		case "XDEL":
			for _, a := range cmd[2:] {
				id := mustID(t, a)
				if s.Delete(id) {
					first := id == s.FirstID
					if s.MaxDeletedID.Less(id) {
						s.MaxDeletedID = id
					}
					if s.Len() == 0 {
						s.FirstID = ID{}
					} else if first {
						s.FirstID = s.EdgeID(true, true)
					}
				}
			}
		case "XTRIM":
			i := 2
			s.Trim(parseTrim(t, cmd, &i, false))
		default:
			t.Fatalf("unexpected command %q", cmd)
		}
	}
	return s
}

// parseTrim reads MAXLEN/MINID [=|~] threshold [LIMIT n] from cmd[*i:]. Without
// LIMIT, "~" is unlimited here: the engine's default (100 nodes' worth) is never
// reached by these vectors.
func parseTrim(t *testing.T, cmd []string, i *int, xadd bool) TrimArgs {
	var a TrimArgs
	for *i < len(cmd) {
		switch strings.ToUpper(cmd[*i]) {
		case "MAXLEN", "MINID":
			if strings.EqualFold(cmd[*i], "maxlen") {
				a.Strategy = TrimMaxLen
			} else {
				a.Strategy = TrimMinID
			}
			*i++
			if cmd[*i] == "~" || cmd[*i] == "=" {
				a.Approx = cmd[*i] == "~"
				*i++
			}
			if a.Strategy == TrimMaxLen {
				a.MaxLen, _ = strconv.ParseInt(cmd[*i], 10, 64)
			} else {
				a.MinID = mustID(t, cmd[*i])
			}
			*i++
		case "LIMIT":
			a.Limit, _ = strconv.ParseInt(cmd[*i+1], 10, 64)
			*i += 2
		default:
			if !xadd {
				t.Fatalf("unexpected XTRIM argument in %q", cmd)
			}
			return a
		}
	}
	return a
}

// TestRedisNodes replays each scenario and expects Redis's node listpacks byte
// for byte, its metadata and its radix tree's node count.
func TestRedisNodes(t *testing.T) {
	vecs := loadRedisVectors(t)
	for _, v := range vecs.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			s := replay(t, v.Commands)
			var got []struct{ master, lp string }
			s.Nodes(func(m ID, lp listpack.Listpack) bool {
				got = append(got, struct{ master, lp string }{m.String(), hex.EncodeToString(lp)})
				return true
			})
			if len(got) != len(v.Nodes) {
				t.Fatalf("%d nodes, Redis has %d", len(got), len(v.Nodes))
			}
			for i, n := range v.Nodes {
				if got[i].master != n.Master {
					t.Fatalf("node %d: master %s, Redis %s", i, got[i].master, n.Master)
				}
				if got[i].lp != n.Listpack {
					t.Fatalf("node %d (%s) listpack differs:\n got %s\nwant %s", i, n.Master, got[i].lp, n.Listpack)
				}
			}
			if s.Len() != v.Length || s.LastID.String() != v.LastID || s.FirstID.String() != v.FirstID ||
				s.MaxDeletedID.String() != v.MaxDeletedID || s.EntriesAdded != v.EntriesAdded {
				t.Errorf("metadata: len %d last %v first %v maxdel %v added %d; Redis %d %s %s %s %d",
					s.Len(), s.LastID, s.FirstID, s.MaxDeletedID, s.EntriesAdded,
					v.Length, v.LastID, v.FirstID, v.MaxDeletedID, v.EntriesAdded)
			}
			if n := s.RaxNodes(); n != v.RaxNodes {
				t.Errorf("radix-tree-nodes %d, Redis %d", n, v.RaxNodes)
			}
			// Loading Redis's nodes back gives the same entries.
			l := New()
			for _, n := range v.Nodes {
				b, _ := hex.DecodeString(n.Listpack)
				if err := l.AddNode(mustID(t, n.Master), bytes.Clone(b), true); err != nil {
					t.Fatalf("AddNode(%s): %v", n.Master, err)
				}
			}
			if l.Len() != v.Length {
				t.Errorf("loaded length %d, Redis %d", l.Len(), v.Length)
			}
			a, b := readAll(s, ID{}, MaxID, false), readAll(l, ID{}, MaxID, false)
			if len(a) != len(b) {
				t.Errorf("loaded stream has %d entries, replayed %d", len(b), len(a))
			}
		})
	}
}

// FuzzValidateNode feeds arbitrary bytes to ValidateNode: it must never panic,
// and a node it accepts (deep) must be safe to load and read entirely, as
// RESTORE and RDB loading rely on.
func FuzzValidateNode(f *testing.F) {
	for _, v := range loadRedisVectors(f).Vectors {
		for _, n := range v.Nodes {
			b, _ := hex.DecodeString(n.Listpack)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if ValidateNode(b, true) != nil {
			return
		}
		s := New()
		if s.AddNode(ID{1, 0}, bytes.Clone(b), true) != nil {
			return
		}
		readAll(s, ID{}, MaxID, false)
		readAll(s, ID{}, MaxID, true)
		s.Delete(ID{1, 0})
		s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 0})
	})
}
