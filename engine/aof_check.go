package engine

// `keygrid check-aof [--fix|--truncate-to-timestamp ts] FILE` — Redis 7.0's
// redis-check-aof: given a manifest it checks the whole multi-part AOF (manifest,
// base in RDB or RESP format, incr files, none missing), given an AOF file it checks
// that file (an old-style AOF, possibly with an RDB preamble). The verdicts, the
// output lines and the exit codes are redis-check-aof's; --fix truncates the last
// file at the last valid command after asking, as Redis does. It runs outside any
// server: nothing here touches a Server.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/keygrid/keygrid/engine/rdb"

	"github.com/keygrid/keygrid/engine/config"
)

// Results of checking one file (AOF_CHECK_*).
const (
	aofCheckOK = iota
	aofCheckEmpty
	aofCheckTruncated
	aofCheckTimestampTruncated
)

// aofChecker is one run of check-aof.
type aofChecker struct {
	out         io.Writer
	in          *bufio.Reader // answers to --fix's question
	fix         bool
	toTimestamp int64
	// The first error message (with its offset) and the line count.
	errMsg string
	epos   int64
	line   int64
}

// aofCheckExit ends check-aof with a status (Redis calls exit()).
type aofCheckExit int

// CheckAOFMain runs check-aof with args (without the program name) and returns the
// process exit code. Answers to --fix's confirmation are read from stdin.
func CheckAOFMain(args []string, stdin io.Reader, stdout io.Writer) (code int) {
	ck := &aofChecker{out: stdout, in: bufio.NewReader(stdin), line: 1}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(aofCheckExit); ok {
				code = int(e)
				return
			}
			panic(r)
		}
	}()
	var path string
	switch {
	case len(args) == 1:
		path = args[0]
	case len(args) == 2 && args[0] == "--fix":
		path, ck.fix = args[1], true
	case len(args) == 3 && args[0] == "--truncate-to-timestamp":
		ts, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			ck.printf("Invalid timestamp, aborting...\n")
			return 1
		}
		ck.toTimestamp = ts
		path = args[2]
	default:
		ck.printf("Usage: keygrid check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n")
		return 1
	}
	dir := filepath.Dir(path)
	switch {
	case ck.fileIsManifest(path):
		ck.checkMultiPart(dir, path)
	case ck.fileIsRDB(path):
		ck.checkOldStyle(path, true)
	default:
		ck.checkOldStyle(path, false)
	}
	return 0
}

func (ck *aofChecker) printf(format string, args ...any) { fmt.Fprintf(ck.out, format, args...) }

func (ck *aofChecker) exit(code int) { panic(aofCheckExit(code)) }

// setError records the first error of a file, at the current error position.
func (ck *aofChecker) setError(format string, args ...any) {
	ck.errMsg = fmt.Sprintf("0x%16x: %s", ck.epos, fmt.Sprintf(format, args...))
}

func (ck *aofChecker) open(path string) *os.File {
	f, err := os.Open(path)
	if err != nil {
		ck.printf("Cannot open file %s: %s\n", path, aofStrerror(err))
		ck.exit(1)
	}
	return f
}

// fileIsManifest: a non-empty file with a line starting with "file".
func (ck *aofChecker) fileIsManifest(path string) bool {
	f := ck.open(path)
	defer f.Close()
	br := bufio.NewReader(f)
	is := false
	for {
		line, err := aofReadLine(br, aofManifestMaxLen)
		if len(line) == 0 && err != nil {
			if err != io.EOF {
				ck.printf("Cannot read file: %s\n", path)
				ck.exit(1)
			}
			return is
		}
		if line[0] == '#' {
			continue
		}
		if strings.HasPrefix(string(line), "file") {
			is = true
		}
	}
}

// fileIsRDB: at least 8 bytes starting with "REDIS".
func (ck *aofChecker) fileIsRDB(path string) bool {
	f := ck.open(path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		ck.printf("Cannot stat file: %s\n", path)
		ck.exit(1)
	}
	if fi.Size() < 8 {
		return false
	}
	var sig [5]byte
	_, err = io.ReadFull(f, sig[:])
	return err == nil && string(sig[:]) == "REDIS"
}

func (ck *aofChecker) report(kind, name string, ret int) {
	switch ret {
	case aofCheckOK:
		ck.printf("%s %s is valid\n", kind, name)
	case aofCheckEmpty:
		ck.printf("%s %s is empty\n", kind, name)
	case aofCheckTimestampTruncated:
		ck.printf("Successfully truncated AOF %s to timestamp %d\n", name, ck.toTimestamp)
	case aofCheckTruncated:
		ck.printf("Successfully truncated AOF %s\n", name)
	}
}

func (ck *aofChecker) checkMultiPart(dir, manifestPath string) {
	ck.printf("Start checking Multi Part AOF\n")
	m, err := loadManifestFile(manifestPath)
	if err != nil || m == nil {
		var me *manifestError
		if errors.As(err, &me) {
			ck.printf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n\n")
			if me.line > 0 {
				ck.printf("Reading the manifest file, at line %d\n\n", me.line)
				ck.printf(">>> '%s'\n\n", me.text)
			}
			ck.printf("%s\n\n", me.message)
		} else if err != nil {
			ck.printf("Fatal error: can't open the AOF manifest file %s for reading: %s\n", manifestPath, aofStrerror(err))
		}
		ck.exit(1)
	}
	total := len(m.incr)
	if m.base != nil {
		total++
	}
	n := 0
	if m.base != nil {
		n++
		p := filepath.Join(dir, m.base.name)
		preamble := ck.fileIsRDB(p)
		format := "RESP"
		if preamble {
			format = "RDB"
		}
		ck.printf("Start to check BASE AOF (%s format).\n", format)
		ck.report("BASE AOF", m.base.name, ck.checkSingle(m.base.name, p, n == total, preamble))
	}
	if len(m.incr) > 0 {
		ck.printf("Start to check INCR files.\n")
		for _, ai := range m.incr {
			n++
			ck.report("INCR AOF", ai.name, ck.checkSingle(ai.name, filepath.Join(dir, ai.name), n == total, false))
		}
	}
	ck.printf("All AOF files and manifest are valid\n")
}

func (ck *aofChecker) checkOldStyle(path string, preamble bool) {
	ck.printf("Start checking Old-Style AOF\n")
	ck.report("AOF", path, ck.checkSingle(path, path, true, preamble))
}

// checkRDBPreamble validates the RDB part of a file and leaves r after it.
func (ck *aofChecker) checkRDBPreamble(f io.Reader, name string) (io.Reader, int64) {
	rr := rdb.NewReader(f)
	ck.printf("[offset 0] Checking RDB file %s\n", name)
	var keys, expires, expired int64
	now := time.Now().UnixMilli()
	h := &rdb.Handler{
		Aux: func(k, v []byte) error {
			ck.printf("[offset %d] AUX FIELD %s = '%s'\n", rr.Offset(), k, v)
			return nil
		},
		SelectDB: func(db uint64) error {
			ck.printf("[offset %d] Selecting DB ID %d\n", rr.Offset(), db)
			return nil
		},
		Key: func(k *rdb.Key) error {
			keys++
			if k.Expire != -1 {
				expires++
				if k.Expire < now {
					expired++
				}
			}
			return nil
		},
	}
	_, err := rdb.Parse(rr, h, rdb.ParseOptions{Options: rdb.Options{CheckDups: true, Now: now}})
	if err != nil {
		ck.printf("--- RDB ERROR DETECTED ---\n")
		ck.printf("[offset %d] %s\n", rr.Offset(), err.Error())
		ck.printf("[additional info] While doing: read-object-value\n")
		ck.printf("RDB preamble of AOF file is not sane, aborting.\n")
		ck.exit(1)
	}
	ck.printf("[offset %d] Checksum OK\n", rr.Offset())
	ck.printf("[offset %d] \\o/ RDB looks OK! \\o/\n", rr.Offset())
	ck.printf("[info] %d keys read\n", keys)
	ck.printf("[info] %d expires\n", expires)
	ck.printf("[info] %d already expired\n", expired)
	ck.printf("RDB preamble is OK, proceeding with AOF tail...\n")
	return rr.Rest(), rr.Offset()
}

// checkSingle checks one file (Redis's checkSingleAof).
func (ck *aofChecker) checkSingle(name, path string, last, preamble bool) int {
	// Like redis-check-aof, the line count and the error carry over from file to
	// file (they are globals there).
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		ck.printf("Cannot open file %s: %s, aborting...\n", path, aofStrerror(err))
		ck.exit(1)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		ck.printf("Cannot stat file: %s, aborting...\n", name)
		ck.exit(1)
	}
	size := fi.Size()
	if size == 0 {
		return aofCheckEmpty
	}
	var src io.Reader = f
	var start int64
	if preamble {
		src, start = ck.checkRDBPreamble(f, name)
	}
	ar := newAOFCmdReader(src, start)
	var pos int64
	multi := 0
	for {
		if multi == 0 {
			pos = ar.off
		}
		c, err := ar.r.Peek(1)
		if err != nil || len(c) == 0 {
			if err == io.EOF || err == nil {
				break
			}
			ck.printf("Failed to read from AOF %s, aborting...\n", name)
			ck.exit(1)
		}
		if c[0] == '#' {
			if !ck.processAnnotation(ar, f, path, last) {
				return aofCheckTimestampTruncated
			}
		} else if c[0] == '*' {
			if !ck.processRESP(ar, path, &multi) {
				break
			}
		} else {
			ck.printf("AOF %s format error\n", name)
			break
		}
	}
	if _, err := ar.r.Peek(1); err == io.EOF && multi != 0 && ck.errMsg == "" {
		ck.epos = ar.off
		ck.setError("Reached EOF before reading EXEC for MULTI")
	}
	if ck.errMsg != "" {
		ck.printf("%s\n", ck.errMsg)
	}
	diff := size - pos
	if diff == 0 && ck.toTimestamp != 0 {
		ck.printf("Truncate nothing in AOF %s to timestamp %d\n", name, ck.toTimestamp)
		return aofCheckOK
	}
	ck.printf("AOF analyzed: filename=%s, size=%d, ok_up_to=%d, ok_up_to_line=%d, diff=%d\n", name, size, pos, ck.line, diff)
	if diff > 0 {
		if !ck.fix {
			ck.printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name)
			ck.exit(1)
		}
		if !last {
			ck.printf("Failed to truncate AOF %s because it is not the last file\n", name)
			ck.exit(1)
		}
		ck.printf("This will shrink the AOF %s from %d bytes, with %d bytes, to %d bytes\n", name, size, diff, pos)
		ck.printf("Continue? [y/N]: ")
		answer, _ := ck.in.ReadString('\n')
		if !strings.HasPrefix(strings.ToLower(answer), "y") {
			ck.printf("Aborting...\n")
			ck.exit(1)
		}
		if err := os.Truncate(path, pos); err != nil {
			ck.printf("Failed to truncate AOF %s\n", name)
			ck.exit(1)
		}
		return aofCheckTruncated
	}
	return aofCheckOK
}

// readLong reads "<prefix><number>\r\n" (Redis's readLong + consumeNewline).
func (ck *aofChecker) readLong(ar *aofCmdReader, prefix byte) (int64, bool) {
	ck.epos = ar.off
	line := ar.fgets(128)
	if line == nil {
		return 0, false
	}
	if line[0] != prefix {
		ck.setError("Expected prefix '%c', got: '%c'", prefix, line[0])
		return 0, false
	}
	// strtol, then the rest must start with \r\n.
	i := 1
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i < len(line) && (line[i] == '-' || line[i] == '+') {
		i++
	}
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	n := config.Atoll(string(line[1:i]))
	return n, ck.consumeNewline(line[i:])
}

func (ck *aofChecker) consumeNewline(b []byte) bool {
	if len(b) < 2 || b[0] != '\r' || b[1] != '\n' {
		var b0, b1 byte
		if len(b) > 0 {
			b0 = b[0]
		}
		if len(b) > 1 {
			b1 = b[1]
		}
		ck.setError("Expected \\r\\n, got: %02x%02x", b0, b1)
		return false
	}
	ck.line++
	return true
}

// processRESP checks one command, tracking MULTI/EXEC nesting.
func (ck *aofChecker) processRESP(ar *aofCmdReader, path string, multi *int) bool {
	argc, ok := ck.readLong(ar, '*')
	if !ok {
		return false
	}
	for i := int64(0); i < argc; i++ {
		n, ok := ck.readLong(ar, '$')
		if !ok {
			return false
		}
		if n < 0 || n > 1<<40 {
			ck.setError("Expected to read string of %d bytes, which is not in the suitable range", n)
			return false
		}
		ck.epos = ar.off
		buf := make([]byte, n+2)
		got, _ := io.ReadFull(ar.r, buf)
		ar.off += int64(got)
		if int64(got) != n+2 {
			ck.setError("Expected to read %d bytes, got %d bytes", n+2, got)
			return false
		}
		if !ck.consumeNewline(buf[n:]) {
			return false
		}
		if i == 0 {
			s := string(buf[:n])
			if strings.EqualFold(s, "multi") {
				*multi++
				if *multi > 1 {
					ck.setError("Unexpected MULTI in AOF %s", path)
					return false
				}
			} else if strings.EqualFold(s, "exec") {
				*multi--
				if *multi != 0 {
					ck.setError("Unexpected EXEC in AOF %s", path)
					return false
				}
			}
		}
	}
	return true
}

// processAnnotation handles a '#' line: with --truncate-to-timestamp, the first
// #TS past the limit truncates the (last) file there.
func (ck *aofChecker) processAnnotation(ar *aofCmdReader, f *os.File, path string, last bool) bool {
	ck.epos = ar.off
	line := ar.fgets(aofLineMax)
	if line == nil {
		ck.printf("Failed to read annotations from AOF %s, aborting...\n", path)
		ck.exit(1)
	}
	if ck.toTimestamp == 0 || !strings.HasPrefix(string(line), "#TS:") {
		return true
	}
	rest := string(line[4:])
	end := strings.IndexByte(rest, '\r')
	ts, err := strconv.ParseInt(rest[:max(end, 0)], 10, 64)
	if end < 0 || err != nil {
		ck.printf("Invalid timestamp annotation\n")
		ck.exit(1)
	}
	if ts <= ck.toTimestamp {
		return true
	}
	if ck.epos == 0 {
		ck.printf("AOF %s has nothing before timestamp %d, aborting...\n", path, ck.toTimestamp)
		ck.exit(1)
	}
	if !last {
		ck.printf("Failed to truncate AOF %s to timestamp %d to offset %d because it is not the last file.\n", path, ck.toTimestamp, ck.epos)
		ck.printf("If you insist, please delete all files after this file according to the manifest file and delete the corresponding records in manifest file manually. Then re-run redis-check-aof.\n")
		ck.exit(1)
	}
	if err := os.Truncate(path, ck.epos); err != nil {
		ck.printf("Failed to truncate AOF %s to timestamp %d\n", path, ck.toTimestamp)
		ck.exit(1)
	}
	return false
}
