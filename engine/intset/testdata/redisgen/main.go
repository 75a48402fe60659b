// Command redisgen produces the golden vectors engine/intset tests against, by
// driving a real redis-server (7.0.x) started in a temporary directory on a loopback
// port. It lives under testdata so that `go build ./...` and `go test ./...` ignore
// it; run it by hand from the module root:
//
//	go run ./engine/intset/testdata/redisgen -redis-server /usr/bin/redis-server
//
// It writes engine/intset/testdata/redis-vectors.json.gz with two lists:
//   - "builds": a sequence of SADD/SREM operations and the intset Redis held after
//     them, taken from DUMP (an RDB_TYPE_SET_INTSET payload; rdbcompression is off so
//     the blob is a plain RDB string);
//   - "restores": intset blobs, valid and corrupt, wrapped in a DUMP payload and sent
//     with RESTORE under sanitize-dump-payload yes, and whether Redis accepted them.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc64"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

type op struct {
	Add bool  `json:"add"`
	V   int64 `json:"v"`
}

type build struct {
	Name   string `json:"name"`
	Ops    []op   `json:"ops"`
	Intset string `json:"intset"`
}

type restore struct {
	Name     string `json:"name"`
	Intset   string `json:"intset"`
	Accepted bool   `json:"accepted"`
}

type vectors struct {
	Redis    string    `json:"redis"`
	Builds   []build   `json:"builds"`
	Restores []restore `json:"restores"`
}

type conn struct {
	c  net.Conn
	rd *bufio.Reader
}

func (c *conn) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.c.Write([]byte(b.String())); err != nil {
		return nil, err
	}
	return c.read()
}

type redisErr string

func (e redisErr) Error() string { return string(e) }

func (c *conn) read() (any, error) {
	line, err := c.rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, redisErr(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := readFull(c.rd, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := c.read()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}

func readFull(rd *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := rd.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// jones is Redis's CRC-64 (Jones polynomial, reflected, no init or final xor).
var jones = crc64.MakeTable(0x95ac9329ac4bc9b5)

func crcJones(b []byte) uint64 { return ^crc64.Update(^uint64(0), jones, b) }

const rdbTypeSetIntset = 11

// rdbString reads an RDB string (length-prefixed, not LZF: rdbcompression is off).
func rdbString(p []byte) ([]byte, error) {
	var n uint64
	switch p[0] >> 6 {
	case 0:
		n, p = uint64(p[0]&0x3f), p[1:]
	case 1:
		n, p = uint64(p[0]&0x3f)<<8|uint64(p[1]), p[2:]
	case 2:
		if p[0] == 0x80 {
			n, p = uint64(binary.BigEndian.Uint32(p[1:])), p[5:]
		} else {
			n, p = binary.BigEndian.Uint64(p[1:]), p[9:]
		}
	default:
		return nil, fmt.Errorf("special string encoding %#x", p[0])
	}
	return p[:n], nil
}

func rdbLen(n int) []byte {
	switch {
	case n < 64:
		return []byte{byte(n)}
	case n < 16384:
		return []byte{0x40 | byte(n>>8), byte(n)}
	}
	b := []byte{0x80, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(n))
	return b
}

// payload wraps an intset blob as a DUMP payload: type, string, RDB version, CRC.
func payload(is []byte) []byte {
	p := []byte{rdbTypeSetIntset}
	p = append(p, rdbLen(len(is))...)
	p = append(p, is...)
	p = append(p, 10, 0) // RDB_VERSION 10 (Redis 7.0)
	return binary.LittleEndian.AppendUint64(p, crcJones(p))
}

func intsetBytes(enc uint32, vals ...int64) []byte {
	b := binary.LittleEndian.AppendUint32(nil, enc)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		switch enc {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

func main() {
	server := flag.String("redis-server", "redis-server", "redis-server binary")
	out := flag.String("o", "engine/intset/testdata/redis-vectors.json.gz", "output file")
	flag.Parse()
	if got := crcJones([]byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		log.Fatalf("crc64 self-test: %#x", got)
	}
	dir, err := os.MkdirTemp("", "intset-redisgen")
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
	cmd := exec.Command(*server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--rdbcompression", "no", "--sanitize-dump-payload", "yes",
		"--set-max-intset-entries", "100000")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	var c *conn
	for i := 0; i < 100; i++ {
		if nc, err := net.Dial("tcp", loopbackAddr(port)); err == nil {
			c = &conn{c: nc, rd: bufio.NewReader(nc)}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c == nil {
		log.Fatal("redis-server did not start")
	}
	info, _ := c.do("INFO", "server")
	var v vectors
	for _, l := range strings.Split(info.(string), "\r\n") {
		if strings.HasPrefix(l, "redis_version:") {
			v.Redis = strings.TrimPrefix(l, "redis_version:")
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	adds := func(vals ...int64) []op {
		var ops []op
		for _, x := range vals {
			ops = append(ops, op{Add: true, V: x})
		}
		return ops
	}
	cases := []struct {
		name string
		ops  []op
	}{
		{"one", adds(5)},
		{"ascending", adds(1, 2, 3, 4, 5)},
		{"descending", adds(5, 4, 3, 2, 1)},
		{"duplicates", adds(3, 1, 3, 2, 1)},
		{"int16 bounds", adds(math.MaxInt16, math.MinInt16, 0, -1)},
		{"upgrade to int32 positive", adds(1, 2, 3, math.MaxInt16+1)},
		{"upgrade to int32 negative", adds(1, 2, 3, math.MinInt16-1)},
		{"int32 bounds", adds(math.MaxInt32, math.MinInt32, 7)},
		{"upgrade to int64 positive", adds(-5, 100000, math.MaxInt32+1)},
		{"upgrade to int64 negative", adds(-5, 100000, math.MinInt32-1)},
		{"upgrade int16 to int64", adds(1, -1, math.MaxInt64)},
		{"int64 bounds", adds(math.MaxInt64, math.MinInt64, 0)},
		{"no downgrade", append(adds(1, 2, 1<<40), op{V: 1 << 40}, op{V: 2})},
		{"remove missing", append(adds(10, 20, 30), op{V: 15}, op{V: 1 << 40}, op{V: 30})},
	}
	var many []op
	for i := 0; i < 300; i++ {
		x := rng.Int64N(2000) - 1000
		many = append(many, op{Add: rng.IntN(3) > 0, V: x})
	}
	cases = append(cases, struct {
		name string
		ops  []op
	}{"random int16 adds and removes", many})
	var wide []op
	for i := 0; i < 200; i++ {
		x := int64(rng.Uint64())
		switch rng.IntN(3) {
		case 0:
			x = int64(int16(x))
		case 1:
			x = int64(int32(x))
		}
		wide = append(wide, op{Add: rng.IntN(4) > 0, V: x})
	}
	cases = append(cases, struct {
		name string
		ops  []op
	}{"random mixed widths", wide})

	for _, tc := range cases {
		c.do("DEL", "s")
		for _, o := range tc.ops {
			cmdName := "SREM"
			if o.Add {
				cmdName = "SADD"
			}
			if _, err := c.do(cmdName, "s", strconv.FormatInt(o.V, 10)); err != nil {
				log.Fatal(err)
			}
		}
		enc, _ := c.do("OBJECT", "ENCODING", "s")
		if enc != "intset" {
			log.Fatalf("%s: encoding %v", tc.name, enc)
		}
		d, err := c.do("DUMP", "s")
		if err != nil {
			log.Fatal(err)
		}
		p := []byte(d.(string))
		if p[0] != rdbTypeSetIntset {
			log.Fatalf("%s: dump type %d", tc.name, p[0])
		}
		blob, err := rdbString(p[1:])
		if err != nil {
			log.Fatal(err)
		}
		v.Builds = append(v.Builds, build{Name: tc.name, Ops: tc.ops, Intset: hex.EncodeToString(blob)})
	}

	valid := intsetBytes(2, -3, 1, 9)
	restores := []struct {
		name string
		b    []byte
	}{
		{"valid int16", valid},
		{"valid int32", intsetBytes(4, math.MinInt32, 0, math.MaxInt32)},
		{"valid int64", intsetBytes(8, math.MinInt64, math.MaxInt64)},
		{"narrow values in a wide encoding", intsetBytes(8, 1, 2, 3)},
		{"empty", intsetBytes(2)},
		{"short header", valid[:7]},
		{"header only claiming one", intsetBytes(2, 1)[:8]},
		{"encoding 0", append([]byte{0, 0, 0, 0}, valid[4:]...)},
		{"encoding 1", append([]byte{1, 0, 0, 0}, valid[4:]...)},
		{"encoding 3", append([]byte{3, 0, 0, 0}, valid[4:]...)},
		{"encoding 16", append([]byte{16, 0, 0, 0}, valid[4:]...)},
		{"length too big", append(append([]byte{}, valid[:4]...), append([]byte{4, 0, 0, 0}, valid[8:]...)...)},
		{"length too small", append(append([]byte{}, valid[:4]...), append([]byte{2, 0, 0, 0}, valid[8:]...)...)},
		{"length huge", append(append([]byte{}, valid[:4]...), append([]byte{0xff, 0xff, 0xff, 0xff}, valid[8:]...)...)},
		{"trailing byte", append(append([]byte{}, valid...), 0)},
		{"unsorted", intsetBytes(2, 1, 9, -3)},
		{"duplicate", intsetBytes(2, 1, 1, 9)},
		{"descending int64", intsetBytes(8, 5, 4)},
	}
	for i := 0; i < 40; i++ {
		enc := []uint32{2, 4, 8}[rng.IntN(3)]
		n := 1 + rng.IntN(6)
		vals := make([]int64, n)
		for j := range vals {
			vals[j] = rng.Int64N(10) - 5
		}
		restores = append(restores, struct {
			name string
			b    []byte
		}{fmt.Sprintf("random %d", i), intsetBytes(enc, vals...)})
	}
	for _, r := range restores {
		c.do("DEL", "r")
		_, err := c.do("RESTORE", "r", "0", string(payload(r.b)))
		accepted := err == nil
		if err != nil && !strings.Contains(err.Error(), "Bad data format") {
			log.Fatalf("%s: %v", r.name, err)
		}
		v.Restores = append(v.Restores, restore{Name: r.name, Intset: hex.EncodeToString(r.b), Accepted: accepted})
	}

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	enc := json.NewEncoder(zw)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d builds, %d restores (redis %s)", *out, len(v.Builds), len(v.Restores), v.Redis)
}

func loopbackAddr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
