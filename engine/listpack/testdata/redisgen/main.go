// Command redisgen produces the golden vectors that engine/listpack, engine/lzf and
// engine/quicklist test against, by driving a real redis-server (7.0.x) started
// in a temporary directory on a loopback port. It lives under testdata so that
// `go build ./...` and `go test ./...` ignore it; run it by hand:
//
//	go run ./engine/listpack/testdata/redisgen -redis-server /usr/bin/redis-server
//
// It writes engine/listpack/testdata/redis-vectors.json.gz,
// engine/lzf/testdata/redis-vectors.json.gz and
// engine/quicklist/testdata/redis-vectors.json.gz (paths relative to the module
// root, which must be the working directory). Every vector records what was sent
// to Redis and the bytes Redis produced; the tests only read the JSON.
//
// How each kind of vector is obtained:
//   - lzf "save": SET a key to a repetitive 100-byte value with rdbcompression yes,
//     SAVE, and cut the LZF blob (0xC3 <clen> <len> <data>) that follows the key
//     in dump.rdb. The others: DUMP of string keys, whose payload is the same
//     RDB string encoding.
//   - listpack: HSET (or RPUSH) the recorded elements in order, DUMP the key, and
//     take the listpack string (LZF-decompressed by a reference decoder here when
//     Redis compressed it) from the RDB_TYPE_HASH_LISTPACK / QUICKLIST_2 payload.
//   - ziplist: a ziplist built here from the format spec is RESTOREd as
//     RDB_TYPE_HASH_ZIPLIST; Redis converts it, and DUMP returns its listpack.
//   - quicklist: RPUSH/LPUSH the recorded operations under the recorded
//     list-max-listpack-size and list-compress-depth; DUMP gives each node's
//     bytes, as an LZF blob when Redis compressed it.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
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

func main() {
	server := flag.String("redis-server", "redis-server", "redis-server binary")
	flag.Parse()

	dir, err := os.MkdirTemp("", "redisgen")
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
		"--dir", dir, "--save", "", "--appendonly", "no", "--rdbcompression", "yes",
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
	version := c.must("INFO", "server").(string)
	for _, l := range strings.Split(version, "\r\n") {
		if strings.HasPrefix(l, "redis_version:") {
			version = strings.TrimPrefix(l, "redis_version:")
		}
	}
	log.Printf("redis %s on port %d", version, port)

	writeJSON("engine/lzf/testdata/redis-vectors.json.gz", lzfVectors(c, dir, version))
	writeJSON("engine/listpack/testdata/redis-vectors.json.gz", listpackVectors(c, version))
	writeJSON("engine/quicklist/testdata/redis-vectors.json.gz", quicklistVectors(c, version))
}

func writeJSON(path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	// Gzipped: the long repetitive elements make the JSON large, and tiny packed.
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(append(b, '\n'))
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, z.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s", path)
}

// --- LZF ---

type lzfVector struct {
	Name       string `json:"name"`
	How        string `json:"how"`
	Input      string `json:"input"`      // hex
	Compressed string `json:"compressed"` // hex, as Redis's lzf_compress wrote it
}

type lzfFile struct {
	Redis   string      `json:"redis"`
	Vectors []lzfVector `json:"vectors"`
}

func lzfVectors(c *client, dir, version string) lzfFile {
	out := lzfFile{Redis: version}

	// 1. SAVE route: the blob as it sits in dump.rdb.
	val := []byte(strings.Repeat("keygrid!", 12) + "abcd") // 100 bytes
	c.must("FLUSHALL")
	c.must("SET", "lzfkey", string(val))
	c.must("SAVE")
	rdb, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		log.Fatal(err)
	}
	i := strings.Index(string(rdb), "\x06lzfkey") // key: 6-bit length 6, then the name
	if i < 0 {
		log.Fatal("key not found in dump.rdb")
	}
	r := &reader{b: rdb[i+7:]}
	orig, blob := r.lzfString()
	if string(orig) != string(val) {
		log.Fatal("dump.rdb LZF blob is not the value")
	}
	out.Vectors = append(out.Vectors, lzfVector{Name: "save-100", How: "SET lzfkey <value>; SAVE; blob cut from dump.rdb",
		Input: hex.EncodeToString(val), Compressed: hex.EncodeToString(blob)})

	// 2. DUMP route, several shapes.
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"alpha", "beta", "gamma", "delta", "keygrid", "redis", "listpack", "quicklist", " ", ",", "\n"}
	text := func(n int) []byte {
		var b []byte
		for len(b) < n {
			b = append(b, words[rng.IntN(len(words))]...)
		}
		return b[:n]
	}
	long := func(n int, unit string) []byte { return []byte(strings.Repeat(unit, n/len(unit)+1)[:n]) }
	mixed := text(3000)
	for k := 0; k < 200; k++ { // sprinkle incompressible bytes
		mixed[rng.IntN(len(mixed))] = byte(rng.IntN(256))
	}
	far := make([]byte, 0, 20000) // repeats farther apart than the 8 KiB window
	chunk := text(9000)
	far = append(far, chunk...)
	far = append(far, chunk...)
	cases := []struct {
		name string
		v    []byte
	}{
		{"a-21", long(21, "a")},
		{"a-100", long(100, "a")},
		{"a-300", long(300, "a")},   // longer than one maximal back reference (264)
		{"a-5000", long(5000, "a")}, // many maximal references
		{"abc-1000", long(1000, "abc")},
		{"text-200", text(200)},
		{"text-20000", text(20000)},
		{"mixed-3000", mixed},
		{"far-18000", far},
		{"zeros-70", make([]byte, 70)},
		{"digits-40", long(40, "0123456789")},
		{"pattern-33", long(33, "xy")},
	}
	for _, tc := range cases {
		c.must("SET", "k", string(tc.v))
		payload := []byte(c.must("DUMP", "k").(string))
		r := &reader{b: payload}
		if t := r.byte(); t != 0 {
			log.Fatalf("%s: DUMP type %d", tc.name, t)
		}
		orig, blob := r.lzfString()
		if blob == nil {
			log.Printf("%s: Redis stored it raw (not compressible by 4 bytes); skipped", tc.name)
			continue
		}
		if string(orig) != string(tc.v) {
			log.Fatalf("%s: payload mismatch", tc.name)
		}
		out.Vectors = append(out.Vectors, lzfVector{Name: tc.name, How: "SET k <value>; DUMP k",
			Input: hex.EncodeToString(tc.v), Compressed: hex.EncodeToString(blob)})
	}
	return out
}

// --- listpack ---

type listpackVector struct {
	Name     string   `json:"name"`
	How      string   `json:"how"`
	Elements []string `json:"elements"` // hex of each element, in listpack order
	Listpack string   `json:"listpack"` // hex
}

type ziplistVector struct {
	Name     string `json:"name"`
	Ziplist  string `json:"ziplist"`  // hex, built by this program
	Listpack string `json:"listpack"` // hex, what Redis converted it to
}

type listpackFile struct {
	Redis     string           `json:"redis"`
	Listpacks []listpackVector `json:"listpacks"`
	Ziplists  []ziplistVector  `json:"ziplists"`
}

func hexAll(els [][]byte) []string {
	s := make([]string, len(els))
	for i, e := range els {
		s[i] = hex.EncodeToString(e)
	}
	return s
}

func listpackVectors(c *client, version string) listpackFile {
	out := listpackFile{Redis: version}
	c.must("CONFIG", "SET", "hash-max-listpack-entries", "100000")
	c.must("CONFIG", "SET", "hash-max-listpack-value", "1000000")

	// Integers at every encoding boundary, and strings at every length boundary.
	ints := []int64{0, 1, 12, 13, 127, 128, 255, 4095, 4096, -1, -4096, -4097, 32767, 32768,
		-32768, -32769, 8388607, 8388608, -8388608, -8388609, 2147483647, 2147483648,
		-2147483648, -2147483649, 9223372036854775807, -9223372036854775808}
	var els [][]byte
	for _, n := range ints {
		els = append(els, []byte(strconv.FormatInt(n, 10)))
	}
	// Non-canonical integers stay strings.
	for _, s := range []string{"-0", "007", "+1", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "1.5", "", "-", "0x10"} {
		els = append(els, []byte(s))
	}
	// Length boundaries of the string encodings and of the backlen varint
	// (entry sizes 127/128, 16382/16383).
	for _, n := range []int{1, 63, 64, 125, 126, 127, 4095, 4096, 16376, 16377, 16378, 70000} {
		els = append(els, []byte(strings.Repeat("x", n-1)+"y"))
	}
	// Hash fields must be unique: make each element a unique field, values after.
	c.must("DEL", "h")
	var pairs [][]byte
	for i, e := range els {
		field := []byte("f" + strconv.Itoa(i))
		pairs = append(pairs, field, e)
		c.must("HSET", "h", string(field), string(e))
	}
	out.Listpacks = append(out.Listpacks, listpackVector{Name: "hash-encodings",
		How: "HSET h f<i> <element> in order; DUMP h (RDB_TYPE_HASH_LISTPACK)", Elements: hexAll(pairs),
		Listpack: hex.EncodeToString(dumpListpack(c, "h"))})

	// Fields themselves as integers and strings.
	c.must("DEL", "h2")
	var pairs2 [][]byte
	for i, n := range ints {
		f := []byte(strconv.FormatInt(n, 10))
		v := []byte(strconv.Itoa(i * 1000))
		pairs2 = append(pairs2, f, v)
		c.must("HSET", "h2", string(f), string(v))
	}
	out.Listpacks = append(out.Listpacks, listpackVector{Name: "hash-int-fields",
		How: "HSET h2 <int> <i*1000> in order; DUMP h2", Elements: hexAll(pairs2),
		Listpack: hex.EncodeToString(dumpListpack(c, "h2"))})

	// A random hash of small strings and integers.
	rng := rand.New(rand.NewPCG(3, 4))
	c.must("DEL", "h3")
	var pairs3 [][]byte
	for i := 0; i < 300; i++ {
		f := []byte(fmt.Sprintf("field:%d:%s", i, strings.Repeat("z", rng.IntN(80))))
		var v []byte
		if rng.IntN(2) == 0 {
			v = []byte(strconv.FormatInt(rng.Int64N(1<<40)-1<<39, 10))
		} else {
			v = []byte(strings.Repeat("v", rng.IntN(200)))
		}
		pairs3 = append(pairs3, f, v)
		c.must("HSET", "h3", string(f), string(v))
	}
	out.Listpacks = append(out.Listpacks, listpackVector{Name: "hash-random",
		How: "HSET h3 of 300 random fields in order; DUMP h3", Elements: hexAll(pairs3),
		Listpack: hex.EncodeToString(dumpListpack(c, "h3"))})

	// Ziplists, RESTOREd as RDB_TYPE_HASH_ZIPLIST (13) and converted by Redis.
	zcases := []struct {
		name     string
		els      [][]byte
		bigPrev  bool
		rawCount bool
	}{
		{name: "ints-and-strings", els: pairs2},
		{name: "encodings", els: pairs},
		{name: "big-prevlen-form", els: pairs2, bigPrev: true},
		{name: "random", els: pairs3},
		{name: "empty", els: nil},
	}
	for _, zc := range zcases {
		zl := buildZiplist(zc.els, zc.bigPrev)
		payload := []byte{13}
		payload = appendRDBString(payload, zl)
		payload = append(payload, 10, 0) // RDB version 10, little endian
		crc := crc64(0, payload)
		for i := 0; i < 8; i++ {
			payload = append(payload, byte(crc>>(8*i)))
		}
		c.must("DEL", "z")
		if len(zc.els) == 0 {
			// Redis refuses to load an empty hash; record the conversion of an
			// empty ziplist as the empty listpack without asking it.
			if _, err := c.do("RESTORE", "z", "0", string(payload)); err == nil {
				log.Fatal("Redis accepted an empty hash ziplist")
			}
			out.Ziplists = append(out.Ziplists, ziplistVector{Name: zc.name, Ziplist: hex.EncodeToString(zl),
				Listpack: "0700000000" + "00ff"})
			continue
		}
		c.must("RESTORE", "z", "0", string(payload))
		out.Ziplists = append(out.Ziplists, ziplistVector{Name: zc.name, Ziplist: hex.EncodeToString(zl),
			Listpack: hex.EncodeToString(dumpListpack(c, "z"))})
	}
	return out
}

// dumpListpack DUMPs a listpack-encoded hash and returns its listpack.
func dumpListpack(c *client, key string) []byte {
	if enc := c.must("OBJECT", "ENCODING", key).(string); enc != "listpack" {
		log.Fatalf("%s is %s, not listpack", key, enc)
	}
	r := &reader{b: []byte(c.must("DUMP", key).(string))}
	if t := r.byte(); t != 16 {
		log.Fatalf("DUMP %s: type %d, want 16", key, t)
	}
	return r.string()
}

// --- quicklist ---

type quicklistOp struct {
	Head  bool   `json:"head"` // LPUSH when true, else RPUSH
	Value string `json:"value"`
}

type quicklistNode struct {
	Container int    `json:"container"` // 1 plain, 2 packed
	LZF       bool   `json:"lzf"`       // stored as an LZF blob in the payload
	Data      string `json:"data"`      // hex: the blob if LZF, else the listpack
	Listpack  string `json:"listpack"`  // hex: the node's listpack, decompressed
}

type quicklistVector struct {
	Name     string          `json:"name"`
	Fill     int             `json:"fill"`
	Compress int             `json:"compress"`
	Ops      []quicklistOp   `json:"ops"`
	Nodes    []quicklistNode `json:"nodes"`
}

type quicklistFile struct {
	Redis   string            `json:"redis"`
	Vectors []quicklistVector `json:"vectors"`
}

func quicklistVectors(c *client, version string) quicklistFile {
	out := quicklistFile{Redis: version}
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name           string
		fill, compress int
		n              int
		size           func(i int) int
	}{
		{"fill4-depth1", 4, 1, 30, func(int) int { return 20 }},
		{"fill128-depth2", 128, 2, 1000, func(i int) int { return 10 + i%50 }},
		{"fill-2-depth1", -2, 1, 2000, func(i int) int { return 5 + i%90 }},
		{"fill-1-depth0", -1, 0, 500, func(int) int { return 60 }},
		{"fill-1-depth1-big", -1, 1, 40, func(i int) int {
			if i%7 == 3 {
				return 5000 // larger than a node's size limit: a node of its own
			}
			return 100
		}},
	}
	for _, tc := range cases {
		c.must("DEL", "l")
		c.must("CONFIG", "SET", "list-max-listpack-size", strconv.Itoa(tc.fill))
		c.must("CONFIG", "SET", "list-compress-depth", strconv.Itoa(tc.compress))
		v := quicklistVector{Name: tc.name, Fill: tc.fill, Compress: tc.compress}
		for i := 0; i < tc.n; i++ {
			n := tc.size(i)
			var val string
			switch rng.IntN(4) {
			case 0:
				val = strconv.Itoa(rng.IntN(100000))
			default:
				val = fmt.Sprintf("item-%d-%s", i, strings.Repeat(string(rune('a'+i%26)), n))
			}
			head := rng.IntN(3) == 0
			v.Ops = append(v.Ops, quicklistOp{Head: head, Value: hex.EncodeToString([]byte(val))})
			if head {
				c.must("LPUSH", "l", val)
			} else {
				c.must("RPUSH", "l", val)
			}
		}
		r := &reader{b: []byte(c.must("DUMP", "l").(string))}
		if t := r.byte(); t != 18 {
			log.Fatalf("DUMP l: type %d, want 18 (QUICKLIST_2)", t)
		}
		nodes := r.length()
		for i := 0; i < nodes; i++ {
			container := r.length()
			raw, blob := r.lzfString()
			node := quicklistNode{Container: container, Listpack: hex.EncodeToString(raw)}
			if blob != nil {
				node.LZF = true
				node.Data = hex.EncodeToString(blob)
			} else {
				node.Data = node.Listpack
			}
			v.Nodes = append(v.Nodes, node)
		}
		out.Vectors = append(out.Vectors, v)
	}
	return out
}

// --- ziplist encoder, from the format description in ziplist.c ---

// zipTryInt is ziplist's zipTryEncoding: strings of 1..31 bytes that string2ll
// accepts.
func zipTryInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 32 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != string(s) {
		return 0, false
	}
	return n, true
}

func zipEncode(e []byte) []byte {
	if n, ok := zipTryInt(e); ok {
		switch {
		case n >= 0 && n <= 12:
			return []byte{0xF1 + byte(n)}
		case n >= -128 && n <= 127:
			return []byte{0xFE, byte(n)}
		case n >= -32768 && n <= 32767:
			return []byte{0xC0, byte(n), byte(n >> 8)}
		case n >= -(1<<23) && n <= 1<<23-1:
			return []byte{0xF0, byte(n), byte(n >> 8), byte(n >> 16)}
		case n >= -(1<<31) && n <= 1<<31-1:
			return []byte{0xD0, byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
		default:
			b := []byte{0xE0}
			for i := 0; i < 8; i++ {
				b = append(b, byte(n>>(8*i)))
			}
			return b
		}
	}
	l := len(e)
	var h []byte
	switch {
	case l <= 0x3F:
		h = []byte{byte(l)}
	case l <= 0x3FFF:
		h = []byte{0x40 | byte(l>>8), byte(l)}
	default:
		h = []byte{0x80, byte(l >> 24), byte(l >> 16), byte(l >> 8), byte(l)}
	}
	return append(h, e...)
}

// buildZiplist encodes els; bigPrev writes every prevlen in the 5-byte form (a
// form Redis leaves behind after cascading updates).
func buildZiplist(els [][]byte, bigPrev bool) []byte {
	zl := make([]byte, 10)
	prev, tail := 0, 10
	for _, e := range els {
		tail = len(zl)
		if prev < 254 && !bigPrev {
			zl = append(zl, byte(prev))
		} else {
			zl = append(zl, 0xFE, byte(prev), byte(prev>>8), byte(prev>>16), byte(prev>>24))
		}
		zl = append(zl, zipEncode(e)...)
		prev = len(zl) - tail
	}
	zl = append(zl, 0xFF)
	n := len(zl)
	zl[0], zl[1], zl[2], zl[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	zl[4], zl[5], zl[6], zl[7] = byte(tail), byte(tail>>8), byte(tail>>16), byte(tail>>24)
	cnt := len(els)
	if cnt > 65534 {
		cnt = 65535
	}
	zl[8], zl[9] = byte(cnt), byte(cnt>>8)
	return zl
}

// --- RDB encoding helpers ---

func appendRDBString(b, s []byte) []byte {
	n := len(s)
	switch {
	case n < 1<<6:
		b = append(b, byte(n))
	case n < 1<<14:
		b = append(b, 0x40|byte(n>>8), byte(n))
	default:
		b = append(b, 0x80, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}

type reader struct {
	b []byte
	i int
}

func (r *reader) byte() byte { c := r.b[r.i]; r.i++; return c }

// lenOrEnc reads an RDB length; enc is true (and n the encoding type) for the
// 11xxxxxx special string encodings.
func (r *reader) lenOrEnc() (n int, enc bool) {
	c := r.byte()
	switch c >> 6 {
	case 0:
		return int(c & 0x3F), false
	case 1:
		return int(c&0x3F)<<8 | int(r.byte()), false
	case 3:
		return int(c & 0x3F), true
	}
	var w int
	switch c {
	case 0x80:
		w = 4
	case 0x81:
		w = 8
	default:
		log.Fatalf("bad RDB length byte 0x%02x", c)
	}
	for i := 0; i < w; i++ {
		n = n<<8 | int(r.byte())
	}
	return n, false
}

func (r *reader) length() int {
	n, enc := r.lenOrEnc()
	if enc {
		log.Fatal("unexpected encoded length")
	}
	return n
}

// lzfString reads an RDB string; when it is LZF-encoded it returns the
// decompressed value and the compressed blob, otherwise the value and nil.
func (r *reader) lzfString() (val, blob []byte) {
	n, enc := r.lenOrEnc()
	if !enc {
		val = r.b[r.i : r.i+n]
		r.i += n
		return val, nil
	}
	switch n {
	case 0:
		return []byte(strconv.Itoa(int(int8(r.byte())))), nil
	case 1:
		v := int16(uint16(r.byte()) | uint16(r.byte())<<8)
		return []byte(strconv.Itoa(int(v))), nil
	case 2:
		v := int32(uint32(r.byte()) | uint32(r.byte())<<8 | uint32(r.byte())<<16 | uint32(r.byte())<<24)
		return []byte(strconv.Itoa(int(v))), nil
	case 3:
		clen := r.length()
		ulen := r.length()
		blob = r.b[r.i : r.i+clen]
		r.i += clen
		val, err := refDecompress(blob, ulen)
		if err != nil {
			log.Fatal(err)
		}
		return val, blob
	}
	log.Fatalf("unknown RDB string encoding %d", n)
	return nil, nil
}

func (r *reader) string() []byte {
	v, _ := r.lzfString()
	return v
}

// refDecompress is a plain LZF decoder written from the format description
// (literal run: ctrl < 32, ctrl+1 bytes follow; back reference: length ctrl>>5
// (+ next byte when 7) + 2, offset ((ctrl&31)<<8 | next byte) + 1), kept apart
// from engine/lzf so the vectors do not depend on the code they test.
func refDecompress(in []byte, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for i := 0; i < len(in); {
		c := int(in[i])
		i++
		if c < 32 {
			out = append(out, in[i:i+c+1]...)
			i += c + 1
			continue
		}
		l := c >> 5
		if l == 7 {
			l += int(in[i])
			i++
		}
		off := (c&31)<<8 | int(in[i])
		i++
		ref := len(out) - off - 1
		for k := 0; k < l+2; k++ {
			out = append(out, out[ref+k])
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("decompressed %d bytes, want %d", len(out), n)
	}
	return out, nil
}

// crc64 is Redis's CRC-64/Jones (reflected, polynomial 0xad93d23594c935a9, no
// final xor), bit by bit: check value crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
func crc64(crc uint64, b []byte) uint64 {
	const poly = 0x95ac9329ac4bc9b5 // 0xad93d23594c935a9 bit-reversed
	for _, c := range b {
		crc ^= uint64(c)
		for k := 0; k < 8; k++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ poly
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// --- a minimal RESP client ---

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func (c *client) do(args ...string) (any, error) {
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.conn.Write(b); err != nil {
		return nil, err
	}
	return c.read()
}

func (c *client) must(args ...string) any {
	v, err := c.do(args...)
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
			return nil, nil
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
