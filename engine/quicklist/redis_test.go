// redis_test.go: node layout and compressed bytes against lists built by a real
// Redis 7.0 (testdata/redis-vectors.json.gz; see testdata/README.md).

package quicklist

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/keygrid/keygrid/engine/lzf"
)

type redisFile struct {
	Redis   string `json:"redis"`
	Vectors []struct {
		Name     string `json:"name"`
		Fill     int    `json:"fill"`
		Compress int    `json:"compress"`
		Ops      []struct {
			Head  bool   `json:"head"`
			Value string `json:"value"`
		} `json:"ops"`
		Nodes []struct {
			Container int    `json:"container"`
			LZF       bool   `json:"lzf"`
			Data      string `json:"data"`
			Listpack  string `json:"listpack"`
		} `json:"nodes"`
	} `json:"vectors"`
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRedisLayout replays Redis's LPUSH/RPUSH sequences and expects the same
// nodes with the same listpack bytes. Redis's DUMP writes a compressed node as
// its LZF blob (lzf_compress with out_len = node size) and a plain node as a raw
// string that rdbSaveRawString may LZF-compress itself (out_len = size-4); either
// way the blob must be what engine/lzf makes with that limit, and a node this
// package compressed must hold exactly Redis's blob.
func TestRedisLayout(t *testing.T) {
	f, err := os.Open("testdata/redis-vectors.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var file redisFile
	if err := json.NewDecoder(zr).Decode(&file); err != nil {
		t.Fatal(err)
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			ql := New(v.Fill, v.Compress)
			for _, op := range v.Ops {
				if op.Head {
					ql.PushHead(unhex(t, op.Value))
				} else {
					ql.PushTail(unhex(t, op.Value))
				}
			}
			check(t, ql)
			if ql.NodeCount() != len(v.Nodes) {
				t.Fatalf("%d nodes, Redis %s has %d", ql.NodeCount(), file.Redis, len(v.Nodes))
			}
			i := 0
			compressed := 0
			for n := range ql.Nodes() {
				rn := v.Nodes[i]
				if rn.Container != 2 {
					t.Fatalf("node %d: Redis container %d", i, rn.Container)
				}
				lp := n.Data
				if n.Compressed {
					compressed++
					lp, err = lzf.Decompress(nil, n.Data, n.Size)
					if err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(lp, unhex(t, rn.Listpack)) {
					t.Fatalf("node %d: listpack differs from Redis's", i)
				}
				blob := unhex(t, rn.Data)
				switch {
				case n.Compressed:
					if !rn.LZF || !bytes.Equal(n.Data, blob) {
						t.Fatalf("node %d: compressed bytes differ from Redis's", i)
					}
				case rn.LZF:
					// A plain node that the RDB writer compressed: either our
					// node was not worth compressing under the quicklist rule,
					// or it is an end node.
					if c := lzf.CompressLimit(nil, lp, len(lp)-4); !bytes.Equal(c, blob) {
						t.Fatalf("node %d: Redis's RDB blob differs from CompressLimit(len-4)", i)
					}
				}
				i++
			}
			if v.Compress > 0 && len(v.Nodes) > 2*v.Compress+2 && compressed == 0 {
				t.Fatal("no node compressed")
			}
		})
	}
}
