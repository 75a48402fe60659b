// Command redisgen records what a real redis-server (7.0.x) does with HyperLogLogs,
// for engine/hyperloglog's tests. It lives under testdata so that `go build ./...`
// and `go test ./...` ignore it; run it by hand from the module root:
//
//	go run ./engine/hyperloglog/testdata/redisgen -redis-server /usr/bin/redis-server
//
// It starts its own redis-server in a temporary directory on a loopback port and
// writes engine/hyperloglog/testdata/redis-vectors.json.gz. Each case sets
// hll-sparse-max-bytes, then runs steps: PFADD of some elements, PFMERGE or a
// multi-key PFCOUNT; after each it records the reply and the exact bytes GET returns
// (a prefix of their SHA-256, and the bytes themselves when short), and, when asked, PFCOUNT's reply
// and the bytes after it (PFCOUNT writes the cached cardinality into the value).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type step struct {
	Key string `json:"key"`
	// PFADD Key with these elements (hex), or with Prefix+i for i in [From, To).
	Add    []string `json:"add,omitempty"`
	Prefix string   `json:"prefix,omitempty"`
	From   int      `json:"from,omitempty"`
	To     int      `json:"to,omitempty"`
	// Or PFMERGE Key Merge..., or PFCOUNT Union... (several keys).
	Merge []string `json:"merge,omitempty"`
	Union []string `json:"union,omitempty"`

	Reply int64 `json:"reply"` // PFADD's 0/1, PFCOUNT's union count; 0 for PFMERGE

	Len    int    `json:"len"`             // len(GET Key) after the step
	SHA    string `json:"sha"`             // the first 6 bytes of its SHA-256, hex
	Value  string `json:"value,omitempty"` // hex, when at most 256 bytes
	Count  *int64 `json:"count,omitempty"` // PFCOUNT Key, when recorded
	SHA2   string `json:"sha2,omitempty"`  // the same of GET Key after that PFCOUNT
	Single bool   `json:"-"`
}

type hllCase struct {
	Name      string `json:"name"`
	SparseMax int    `json:"sparse_max"`
	Steps     []step `json:"steps"`
}

type file struct {
	Redis string    `json:"redis"`
	Cases []hllCase `json:"cases"`
}

func main() {
	server := flag.String("redis-server", "redis-server", "redis-server binary")
	flag.Parse()
	dir, err := os.MkdirTemp("", "hllgen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(*server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", filepath.Join(dir, "log"))
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var c *client
	for i := 0; ; i++ {
		conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c = &client{conn: conn, r: bufio.NewReader(conn)}
			break
		}
		if i > 100 {
			log.Fatalf("redis-server did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	version := ""
	for _, l := range strings.Split(c.must("INFO", "server").(string), "\r\n") {
		if strings.HasPrefix(l, "redis_version:") {
			version = strings.TrimPrefix(l, "redis_version:")
		}
	}
	log.Printf("redis %s on port %d", version, port)

	out := file{Redis: version}
	rnd := rand.New(rand.NewPCG(1, 2))

	// One element at a time through the sparse encoding and its promotion.
	one := hllCase{Name: "one-by-one", SparseMax: 3000}
	for i := 0; i < 2500; i++ {
		one.Steps = append(one.Steps, step{Key: "h", Prefix: "elem:", From: i, To: i + 1, Single: i%7 == 0})
	}
	out.Cases = append(out.Cases, one)

	// Random binary elements of every tail length of MurmurHash64A.
	bin := hllCase{Name: "binary", SparseMax: 3000}
	for i := 0; i < 1200; i++ {
		e := make([]byte, rnd.IntN(41))
		for j := range e {
			e[j] = byte(rnd.Uint32())
		}
		bin.Steps = append(bin.Steps, step{Key: "b", Add: []string{hex.EncodeToString(e)}, Single: i%5 == 0})
	}
	bin.Steps = append(bin.Steps, step{Key: "empty", Add: []string{""}, Single: true})
	out.Cases = append(out.Cases, bin)

	// Growing batches up to dense and high cardinalities.
	batches := hllCase{Name: "batches", SparseMax: 3000}
	from := 0
	for size := 1; from < 2000000; size = size*3/2 + 1 {
		batches.Steps = append(batches.Steps, step{Key: "big", Prefix: "b:", From: from, To: from + size, Single: true})
		from += size
	}
	batches.Steps = append(batches.Steps, step{Key: "none", Single: true}) // PFADD with no elements
	out.Cases = append(out.Cases, batches)

	// Other promotion limits: 0 (dense at the first change), 100, and 20000 (long
	// sparse strings).
	for _, lim := range []int{0, 100, 20000} {
		cs := hllCase{Name: "sparse-max-" + strconv.Itoa(lim), SparseMax: lim}
		n, per := 300, 3
		if lim == 20000 {
			n, per = 3000, 9
		}
		for i := 0; i < n; i++ {
			cs.Steps = append(cs.Steps, step{Key: "s", Prefix: "x", From: i * per, To: i*per + per, Single: i%11 == 0})
		}
		out.Cases = append(out.Cases, cs)
	}

	// Elements whose run of zeros is longer than a sparse VAL holds (> 32): promotion
	// by value, and dense registers above 32.
	long := findLongRuns(3)
	lr := hllCase{Name: "long-runs", SparseMax: 3000}
	for i := 0; i < 50; i++ {
		lr.Steps = append(lr.Steps, step{Key: "l", Prefix: "y", From: i, To: i + 1, Single: true})
	}
	lr.Steps = append(lr.Steps, step{Key: "l", Add: long[:1], Single: true})
	lr.Steps = append(lr.Steps, step{Key: "l2", Add: long[1:], Single: true})
	lr.Steps = append(lr.Steps, step{Key: "l2", Prefix: "y", From: 0, To: 1000, Single: true})
	out.Cases = append(out.Cases, lr)

	// PFMERGE and multi-key PFCOUNT over sparse and dense inputs.
	mg := hllCase{Name: "merge", SparseMax: 3000}
	mg.Steps = append(mg.Steps,
		step{Key: "m1", Prefix: "m", From: 0, To: 100},
		step{Key: "m2", Prefix: "m", From: 50, To: 400},
		step{Key: "m3", Prefix: "m", From: 300, To: 6000},
		step{Key: "m4", Add: long[:1]},
		step{Key: "u", Union: []string{"m1", "m2"}},
		step{Key: "u", Union: []string{"m1", "m2", "m3", "nokey"}},
		step{Key: "u", Union: []string{"m1", "m4"}},
		step{Key: "d1", Merge: []string{"m1", "m2"}, Single: true},
		step{Key: "d2", Merge: []string{"m1", "m3"}, Single: true},
		step{Key: "d3", Merge: []string{"m4", "m1"}, Single: true},
		step{Key: "m1", Merge: []string{"m2"}, Single: true},
		step{Key: "d4", Merge: nil, Single: true},
		step{Key: "d4", Merge: []string{"m2", "nokey"}, Single: true},
		step{Key: "m3", Merge: []string{"m1", "d3"}, Single: true},
	)
	out.Cases = append(out.Cases, mg)

	for ci := range out.Cases {
		cs := &out.Cases[ci]
		c.must("FLUSHALL")
		c.must("CONFIG", "SET", "hll-sparse-max-bytes", strconv.Itoa(cs.SparseMax))
		for si := range cs.Steps {
			run(c, &cs.Steps[si])
		}
		log.Printf("%s: %d steps", cs.Name, len(cs.Steps))
	}
	c.must("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
	writeJSON("engine/hyperloglog/testdata/redis-vectors.json.gz", out)
}

func run(c *client, s *step) {
	switch {
	case s.Union != nil:
		s.Reply = c.must(append([]string{"PFCOUNT"}, s.Union...)...).(int64)
		return
	case s.Merge != nil || s.Key == "d4":
		c.must(append([]string{"PFMERGE", s.Key}, s.Merge...)...)
	default:
		args := []string{"PFADD", s.Key}
		for _, h := range s.Add {
			e, _ := hex.DecodeString(h)
			args = append(args, string(e))
		}
		for i := s.From; i < s.To; i++ {
			args = append(args, s.Prefix+strconv.Itoa(i))
		}
		s.Reply = c.must(args...).(int64)
	}
	v := c.must("GET", s.Key).(string)
	s.Len = len(v)
	sum := sha256.Sum256([]byte(v))
	s.SHA = hex.EncodeToString(sum[:6])
	if len(v) <= 256 {
		s.Value = hex.EncodeToString([]byte(v))
	}
	if s.Single {
		n := c.must("PFCOUNT", s.Key).(int64)
		s.Count = &n
		sum := sha256.Sum256([]byte(c.must("GET", s.Key).(string)))
		s.SHA2 = hex.EncodeToString(sum[:6])
	}
}

// findLongRuns returns n 8-byte elements whose pattern length is 33 or more (above
// what a sparse VAL holds), each for a different register. For 8-byte keys every
// step of MurmurHash64A is a bijection, so the key for a chosen hash is computed by
// running the steps backwards.
func findLongRuns(n int) []string {
	const m = 0xc6a4a7935bd1e995
	minv := uint64(1)
	for i := 0; i < 6; i++ { // Newton's iteration for the inverse of m mod 2^64
		minv *= 2 - m*minv
	}
	unshift := func(x uint64) uint64 { return x ^ x>>47 } // its own inverse (47 >= 32)
	var out []string
	for i := 0; i < n; i++ {
		// Register 100+i, then 32+i zero bits and a one: count 33+i.
		want := uint64(100+i) | 1<<(14+32+i)
		h := unshift(want)
		h *= minv
		h = unshift(h) // h is now (h0 ^ k') * m
		h *= minv
		mm := uint64(m)
		h0 := uint64(0xadc83b19) ^ 8*mm
		k := (h ^ h0) * minv // k' = mix(k) = ((k*m) ^ (k*m)>>47) * m
		k = unshift(k) * minv
		var key [8]byte
		binary.LittleEndian.PutUint64(key[:], k)
		if murmur64A(key[:], 0xadc83b19) != want {
			log.Fatal("inverting MurmurHash64A failed")
		}
		out = append(out, hex.EncodeToString(key[:]))
	}
	log.Printf("long runs: %q", out)
	return out
}

// murmur64A is Redis's MurmurHash64A, written here independently of the package
// under test.
func murmur64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	h := seed ^ uint64(len(key))*m
	for ; len(key) >= 8; key = key[8:] {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> 47
		k *= m
		h ^= k
		h *= m
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> 47
	h *= m
	h ^= h >> 47
	return h
}

func writeJSON(path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(append(b, '\n'))
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, z.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s (%d bytes)", path, z.Len())
}

// --- a minimal RESP client ---

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func (c *client) must(args ...string) any {
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.conn.Write(b); err != nil {
		log.Fatal(err)
	}
	v, err := c.read()
	if err != nil {
		log.Fatalf("%s: %v", args[0], err)
	}
	return v
}

func (c *client) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, errors.New(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "", nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		arr := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := c.read()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}
