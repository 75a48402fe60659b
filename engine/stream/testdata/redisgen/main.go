// Command redisgen produces the golden vectors engine/stream tests against, by
// driving a real redis-server (7.0.x) started in a temporary directory on a
// loopback port. It lives under testdata so that `go build ./...` and
// `go test ./...` ignore it; run it by hand from the module root:
//
//	go run ./engine/stream/testdata/redisgen -redis-server /usr/bin/redis-server
//
// It writes engine/stream/testdata/redis-vectors.json.gz. Each vector is a
// scenario: the commands sent (CONFIG SET of the node limits, XADD with explicit
// IDs and trimming options, XDEL, XTRIM), then what Redis holds afterwards, read
// from DUMP (an RDB_TYPE_STREAM_LISTPACKS_2 payload): every node's master ID and
// listpack bytes (LZF-decompressed here when Redis compressed them) and the stream
// metadata, plus XINFO STREAM's radix-tree-nodes. The tests replay the commands on
// engine/stream and expect the same bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
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

type node struct {
	Master   string `json:"master"`   // "<ms>-<seq>"
	Listpack string `json:"listpack"` // hex
}

type vector struct {
	Name         string     `json:"name"`
	Commands     [][]string `json:"commands"`
	Nodes        []node     `json:"nodes"`
	Length       uint64     `json:"length"`
	LastID       string     `json:"last_id"`
	FirstID      string     `json:"first_id"`
	MaxDeletedID string     `json:"max_deleted_id"`
	EntriesAdded uint64     `json:"entries_added"`
	RaxNodes     int64      `json:"radix_tree_nodes"`
}

type file struct {
	Redis   string   `json:"redis"`
	Vectors []vector `json:"vectors"`
}

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

	out := file{Redis: version}
	for _, sc := range scenarios() {
		out.Vectors = append(out.Vectors, run(c, sc.name, sc.cmds))
	}
	writeJSON("engine/stream/testdata/redis-vectors.json.gz", out)
}

type scenario struct {
	name string
	cmds [][]string
}

func xadd(id string, fv ...string) []string { return append([]string{"XADD", "s", id}, fv...) }

func scenarios() []scenario {
	var out []scenario
	add := func(name string, cmds ...[]string) { out = append(out, scenario{name, cmds}) }
	limits := func(entries, bytes int) []string {
		return []string{"CONFIG", "SET", "stream-node-max-entries", strconv.Itoa(entries), "stream-node-max-bytes", strconv.Itoa(bytes)}
	}

	add("one entry", limits(100, 4096), xadd("1-1", "field", "value"))
	add("same and different fields", limits(100, 4096),
		xadd("1-1", "a", "1", "b", "2"), xadd("1-2", "a", "3", "b", "4"),
		xadd("2-0", "b", "5", "a", "6"), xadd("3-0", "a", "7"), xadd("4-0", "a", "8", "b", "9", "c", "10"),
		xadd("5-0", "a", "x", "b", "y"))
	add("integer fields and values", limits(100, 4096),
		xadd("10-0", "12", "-5", "007", "+1"), xadd("11-0", "12", "9223372036854775807", "007", "-9223372036854775808"),
		xadd("12-0", "12", "18446744073709551615", "007", ""), xadd("13-0", "-0", "0"))
	// Deltas that wrap: a later entry's sequence below the master's, and ms far away.
	add("wrapping deltas", limits(100, 4096),
		xadd("5-10", "f", "v"), xadd("6-0", "f", "v"), xadd("7-3", "f", "v"),
		xadd("18446744073709551614-0", "f", "v"), xadd("18446744073709551615-18446744073709551615", "f", "v"))
	long := strings.Repeat("x", 70)
	longer := strings.Repeat("y", 5000)
	add("long strings", limits(100, 0),
		xadd("1-0", "f", long), xadd("2-0", "f", longer), xadd("3-0", strings.Repeat("k", 64), "v"),
		xadd("4-0", strings.Repeat("k", 4096), strings.Repeat("v", 4095)))
	// Node boundaries by entry count and by bytes.
	var cmds [][]string
	cmds = append(cmds, limits(100, 4096))
	for i := 1; i <= 350; i++ {
		cmds = append(cmds, xadd(fmt.Sprintf("%d-0", i), "field", strconv.Itoa(i*7), "other", "some text"))
	}
	add("many entries, default limits", cmds...)
	cmds = [][]string{limits(5, 0)}
	for i := 1; i <= 23; i++ {
		cmds = append(cmds, xadd(fmt.Sprintf("%d-%d", 1000+i/3, i%3), "f", strconv.Itoa(i)))
	}
	add("five per node", cmds...)
	cmds = [][]string{limits(0, 100)}
	for i := 1; i <= 20; i++ {
		cmds = append(cmds, xadd(fmt.Sprintf("%d-0", i), "f", strings.Repeat("v", i)))
	}
	add("100 bytes per node", cmds...)
	// Deletions: tombstones, a first entry, whole nodes, everything.
	cmds = [][]string{limits(4, 0)}
	for i := 1; i <= 16; i++ {
		cmds = append(cmds, xadd(fmt.Sprintf("%d-0", i), "f", strconv.Itoa(i)))
	}
	cmds = append(cmds, []string{"XDEL", "s", "2-0", "1-0", "5-0", "6-0", "7-0", "8-0", "16-0", "99-0"})
	add("deletions", cmds...)
	cmds = append(cmds, xadd("17-0", "f", "v"), []string{"XDEL", "s", "3-0", "4-0", "9-0"})
	add("deletions then add", cmds...)
	// Trimming, exact and approximate, by length and by ID, with LIMIT.
	base := [][]string{limits(4, 0)}
	for i := 1; i <= 18; i++ {
		base = append(base, xadd(fmt.Sprintf("%d-0", i), "f", strconv.Itoa(i)))
	}
	with := func(extra ...[]string) [][]string { return append(append([][]string(nil), base...), extra...) }
	add("trim maxlen exact", with([]string{"XTRIM", "s", "MAXLEN", "11"})...)
	add("trim maxlen approx", with([]string{"XTRIM", "s", "MAXLEN", "~", "11"})...)
	add("trim minid exact", with([]string{"XTRIM", "s", "MINID", "7-0"})...)
	add("trim minid approx", with([]string{"XTRIM", "s", "MINID", "~", "10-0"})...)
	add("trim limit", with([]string{"XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "9"})...)
	add("trim all", with([]string{"XTRIM", "s", "MAXLEN", "0"})...)
	add("trim after deletes", with([]string{"XDEL", "s", "6-0", "7-0"}, []string{"XTRIM", "s", "MINID", "9-0"}, []string{"XTRIM", "s", "MAXLEN", "5"})...)
	add("xadd trims", with(
		[]string{"XADD", "s", "MAXLEN", "~", "6", "19-0", "f", "v"},
		[]string{"XADD", "s", "MINID", "=", "14", "20-0", "f", "v"},
		[]string{"XADD", "s", "MAXLEN", "3", "21-0", "g", "w"})...)
	add("ms-star", limits(100, 4096), xadd("5-*", "f", "v"), xadd("5-*", "f", "v"), xadd("7-*", "f", "v"))

	// Random histories, reproducible.
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 12; n++ {
		entries, bytes := r.IntN(8), 0
		if r.IntN(2) == 0 {
			bytes = 40 + r.IntN(200)
		}
		cmds := [][]string{limits(entries, bytes)}
		ms := uint64(1)
		fieldSets := [][]string{{"a"}, {"a", "b"}, {"b"}, {"12", "x"}}
		for i := 0; i < 60+r.IntN(100); i++ {
			switch k := r.IntN(10); {
			case k < 7:
				ms += uint64(r.IntN(3))
				var fv []string
				for _, f := range fieldSets[r.IntN(len(fieldSets))] {
					fv = append(fv, f, []string{"1", "-77", "text", strings.Repeat("z", r.IntN(90))}[r.IntN(4)])
				}
				cmds = append(cmds, xadd(fmt.Sprintf("%d-%d", ms, 10+i), fv...))
			case k < 9:
				cmds = append(cmds, []string{"XDEL", "s", fmt.Sprintf("%d-%d", r.Uint64N(ms+1), 10+r.IntN(i+1))})
			default:
				op := []string{"=", "~"}[r.IntN(2)]
				if r.IntN(2) == 0 {
					cmds = append(cmds, []string{"XTRIM", "s", "MAXLEN", op, strconv.Itoa(r.IntN(40))})
				} else {
					cmds = append(cmds, []string{"XTRIM", "s", "MINID", op, fmt.Sprintf("%d", r.Uint64N(ms+1))})
				}
			}
		}
		add(fmt.Sprintf("random %d", n), cmds...)
	}
	return out
}

// run plays a scenario on a fresh key and reads the result back.
func run(c *client, name string, cmds [][]string) vector {
	c.must("DEL", "s")
	for _, cmd := range cmds {
		if _, err := c.do(cmd...); err != nil && !strings.Contains(err.Error(), "equal or smaller") {
			log.Fatalf("%s: %q: %v", name, cmd, err)
		}
	}
	v := vector{Name: name, Commands: cmds}
	dump, _ := c.must("DUMP", "s").(string)
	if dump == "" {
		return v // the key is gone (never happens: trimmed streams stay)
	}
	r := &reader{b: []byte(dump)}
	if t := r.byte(); t != 19 {
		log.Fatalf("%s: RDB type %d, want 19 (STREAM_LISTPACKS_2)", name, t)
	}
	for n := r.length(); n > 0; n-- {
		key := r.string()
		lp := r.string()
		ms, seq := binary.BigEndian.Uint64(key[:8]), binary.BigEndian.Uint64(key[8:])
		v.Nodes = append(v.Nodes, node{Master: fmt.Sprintf("%d-%d", ms, seq), Listpack: hex.EncodeToString(lp)})
	}
	v.Length = uint64(r.length())
	v.LastID = fmt.Sprintf("%d-%d", r.length(), r.length())
	v.FirstID = fmt.Sprintf("%d-%d", r.length(), r.length())
	v.MaxDeletedID = fmt.Sprintf("%d-%d", r.length(), r.length())
	v.EntriesAdded = uint64(r.length())
	info := c.must("XINFO", "STREAM", "s").([]any)
	for i := 0; i+1 < len(info); i += 2 {
		if info[i] == "radix-tree-nodes" {
			v.RaxNodes = info[i+1].(int64)
		}
	}
	return v
}

func writeJSON(path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
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
	log.Printf("wrote %s", path)
}

// --- RDB reading ---

type reader struct {
	b []byte
	i int
}

func (r *reader) byte() byte { c := r.b[r.i]; r.i++; return c }

// lenOrEnc reads an RDB length; enc is true (and n the encoding type) for the
// 11xxxxxx special string encodings.
func (r *reader) lenOrEnc() (n uint64, enc bool) {
	c := r.byte()
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3F), false
	case 1:
		return uint64(c&0x3F)<<8 | uint64(r.byte()), false
	case 3:
		return uint64(c & 0x3F), true
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
		n = n<<8 | uint64(r.byte())
	}
	return n, false
}

func (r *reader) length() uint64 {
	n, enc := r.lenOrEnc()
	if enc {
		log.Fatal("unexpected encoded length")
	}
	return n
}

// string reads an RDB string, decoding integer and LZF encodings.
func (r *reader) string() []byte {
	n, enc := r.lenOrEnc()
	if !enc {
		v := r.b[r.i : r.i+int(n)]
		r.i += int(n)
		return v
	}
	switch n {
	case 0:
		return []byte(strconv.Itoa(int(int8(r.byte()))))
	case 1:
		v := int16(uint16(r.byte()) | uint16(r.byte())<<8)
		return []byte(strconv.Itoa(int(v)))
	case 2:
		v := int32(uint32(r.byte()) | uint32(r.byte())<<8 | uint32(r.byte())<<16 | uint32(r.byte())<<24)
		return []byte(strconv.Itoa(int(v)))
	case 3:
		clen := int(r.length())
		ulen := int(r.length())
		blob := r.b[r.i : r.i+clen]
		r.i += clen
		v, err := refDecompress(blob, ulen)
		if err != nil {
			log.Fatal(err)
		}
		return v
	}
	log.Fatalf("unknown RDB string encoding %d", n)
	return nil
}

// refDecompress is a plain LZF decoder from the format description, kept apart
// from engine/lzf so the vectors do not depend on the code under test.
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
