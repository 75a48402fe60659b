package engine

// The manifest of Redis 7.0's multi-part AOF: a small text file in appenddirname,
// <appendfilename>.manifest, that lists the files making up the AOF, one per line:
//
//	file appendonly.aof.2.base.rdb seq 2 type b
//	file appendonly.aof.1.incr.aof seq 1 type h
//	file appendonly.aof.3.incr.aof seq 3 type i
//
// b is the base (the dataset at the last rewrite, RDB or AOF format), i the
// incremental files written since, in order, and h history files that a rewrite
// made obsolete and that are deleted unless aof-disable-auto-gc is on. The format,
// the file naming and the parsing errors are Redis 7.0's (aof.c), so that a
// directory moves between redis-server and keygrid in both directions and
// redis-check-aof accepts it. This file has no server state: check-aof uses it too.

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/config"
)

// AOF file types, the letters of the manifest's "type" field.
const (
	aofTypeBase = 'b'
	aofTypeHist = 'h'
	aofTypeIncr = 'i'
)

// Naming rules (Redis's BASE_FILE_SUFFIX etc.).
const (
	aofBaseSuffix     = ".base"
	aofIncrSuffix     = ".incr"
	aofRDBSuffix      = ".rdb"
	aofAOFSuffix      = ".aof"
	aofManifestSuffix = ".manifest"
	aofTempPrefix     = "temp-"
	aofManifestMaxLen = 1024 // longest manifest line Redis reads
)

// aofInfo is one line of the manifest.
type aofInfo struct {
	name string
	seq  int64
	typ  byte
}

// aofManifest is the parsed manifest (Redis's aofManifest).
type aofManifest struct {
	base    *aofInfo
	incr    []aofInfo
	history []aofInfo
	baseSeq int64 // sequence of the current (or last) base file
	incrSeq int64 // sequence of the last incr file
	dirty   bool  // changed since last persisted
}

// clone is a deep copy: changes are made on a copy and swapped in once persisted,
// as Redis's aofManifestDup.
func (m *aofManifest) clone() *aofManifest {
	c := *m
	if m.base != nil {
		b := *m.base
		c.base = &b
	}
	c.incr = append([]aofInfo(nil), m.incr...)
	c.history = append([]aofInfo(nil), m.history...)
	return &c
}

// String is the manifest file's contents: base first, then history, then incr.
func (m *aofManifest) String() string {
	var b strings.Builder
	line := func(ai *aofInfo) {
		name := ai.name
		if aofNeedsRepr(name) {
			name = config.Quote(name)
		}
		b.WriteString("file " + name + " seq " + strconv.FormatInt(ai.seq, 10) + " type " + string(ai.typ) + "\n")
	}
	if m.base != nil {
		line(m.base)
	}
	for i := range m.history {
		line(&m.history[i])
	}
	for i := range m.incr {
		line(&m.incr[i])
	}
	return b.String()
}

// aofNeedsRepr is Redis's sdsneedsrepr: a name with quotes, backslashes, spaces or
// unprintable bytes is written quoted.
func aofNeedsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c <= ' ' || c > '~' {
			return true
		}
	}
	return false
}

// manifestError is a fatal manifest parsing error, reported as Redis reports it.
type manifestError struct {
	line    int    // 1-based line number, 0 when not about a line
	text    string // the trimmed line
	message string // Redis's error text
}

func (e *manifestError) Error() string { return e.message }

// newBaseName names the next base file and turns the current one into history
// (Redis's getNewBaseFileNameAndMarkPreAsHistory).
func (m *aofManifest) newBaseName(filename string, rdbPreamble bool) string {
	if m.base != nil {
		h := *m.base
		h.typ = aofTypeHist
		m.history = append([]aofInfo{h}, m.history...)
	}
	suffix := aofAOFSuffix
	if rdbPreamble {
		suffix = aofRDBSuffix
	}
	m.baseSeq++
	m.base = &aofInfo{name: filename + "." + strconv.FormatInt(m.baseSeq, 10) + aofBaseSuffix + suffix, seq: m.baseSeq, typ: aofTypeBase}
	m.dirty = true
	return m.base.name
}

// newIncrName adds the next incr file and returns its name (getNewIncrAofName).
func (m *aofManifest) newIncrName(filename string) string {
	m.incrSeq++
	ai := aofInfo{name: filename + "." + strconv.FormatInt(m.incrSeq, 10) + aofIncrSuffix + aofAOFSuffix, seq: m.incrSeq, typ: aofTypeIncr}
	m.incr = append(m.incr, ai)
	m.dirty = true
	return ai.name
}

// lastIncrName returns the last incr file, adding one when there is none.
func (m *aofManifest) lastIncrName(filename string) string {
	if len(m.incr) == 0 {
		return m.newIncrName(filename)
	}
	return m.incr[len(m.incr)-1].name
}

// markIncrHistory turns the incr files a rewrite covered into history: all of
// them, or all but the last when keepLast (the one being written to).
func (m *aofManifest) markIncrHistory(keepLast bool) {
	if len(m.incr) == 0 {
		return
	}
	n := len(m.incr)
	if keepLast {
		n--
	}
	// Redis walks the list from its tail and prepends each to history.
	for i := n - 1; i >= 0; i-- {
		h := m.incr[i]
		h.typ = aofTypeHist
		m.history = append([]aofInfo{h}, m.history...)
	}
	m.incr = append([]aofInfo(nil), m.incr[n:]...)
	m.dirty = true
}

// parseManifest reads a manifest as Redis's aofLoadManifestFromFile does, with its
// error messages.
func parseManifest(r io.Reader) (*aofManifest, error) {
	m := &aofManifest{}
	br := bufio.NewReader(r)
	var maxSeq int64
	linenum := 0
	for {
		// fgets with a buffer of MANIFEST_MAX_LINE+1: at most 1024 bytes per read.
		buf, err := aofReadLine(br, aofManifestMaxLen)
		if len(buf) == 0 && err != nil {
			if err == io.EOF {
				if linenum == 0 {
					return nil, &manifestError{message: "Found an empty AOF manifest"}
				}
				return m, nil
			}
			return nil, &manifestError{message: "Read AOF manifest failed"}
		}
		linenum++
		if buf[0] == '#' {
			continue
		}
		line := strings.Trim(string(buf), " \t\r\n")
		if !strings.Contains(string(buf), "\n") {
			return nil, &manifestError{line: linenum, text: line, message: "The AOF manifest file contains too long line"}
		}
		bad := func(msg string) error { return &manifestError{line: linenum, text: line, message: msg} }
		if line == "" {
			return nil, bad("Invalid AOF manifest file format")
		}
		argv, perr := config.SplitArgs(line)
		if perr != nil || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		var ai aofInfo
		named := false
		for i := 0; i < len(argv); i += 2 {
			switch strings.ToLower(argv[i]) {
			case "file":
				ai.name = argv[i+1]
				named = true
				if strings.ContainsAny(ai.name, "/\\") {
					return nil, bad("File can't be a path, just a filename")
				}
			case "seq":
				ai.seq = config.Atoll(argv[i+1])
			case "type":
				if argv[i+1] != "" {
					ai.typ = argv[i+1][0]
				}
			}
		}
		if !named || ai.name == "" || ai.seq == 0 || ai.typ == 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		switch ai.typ {
		case aofTypeBase:
			if m.base != nil {
				return nil, bad("Found duplicate base file information")
			}
			b := ai
			m.base = &b
			m.baseSeq = ai.seq
		case aofTypeHist:
			m.history = append(m.history, ai)
		case aofTypeIncr:
			if ai.seq <= maxSeq {
				return nil, bad("Found a non-monotonic sequence number")
			}
			m.incr = append(m.incr, ai)
			m.incrSeq = ai.seq
			maxSeq = ai.seq
		default:
			return nil, bad("Unknown AOF file type")
		}
	}
}

// aofReadLine reads up to and including '\n', but at most max bytes (fgets).
func aofReadLine(br *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	for len(out) < max {
		c, err := br.ReadByte()
		if err != nil {
			return out, err
		}
		out = append(out, c)
		if c == '\n' {
			break
		}
	}
	return out, nil
}

// loadManifestFile reads dir/name; a missing file returns (nil, nil).
func loadManifestFile(path string) (*aofManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	return parseManifest(f)
}

// writeManifestFile writes the manifest atomically as Redis's writeAofManifestFile:
// a temp file, fsync, rename over the manifest, fsync of the directory.
func writeManifestFile(dir, filename string, m *aofManifest) error {
	name := filename + aofManifestSuffix
	tmp := filepath.Join(dir, aofTempPrefix+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
	if err != nil {
		return errors.New("Can't open the AOF manifest file " + aofTempPrefix + name + ": " + aofStrerror(err))
	}
	if _, err := f.WriteString(m.String()); err != nil {
		f.Close()
		return errors.New("Error trying to write the temporary AOF manifest file " + aofTempPrefix + name + ": " + aofStrerror(err))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return errors.New("Fail to fsync the temp AOF file " + aofTempPrefix + name + ": " + aofStrerror(err) + ".")
	}
	f.Close()
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return errors.New("Error trying to rename the temporary AOF manifest file " + aofTempPrefix + name + " into " + name + ": " + aofStrerror(err))
	}
	if err := aofFsyncDir(dir); err != nil {
		return errors.New("Fail to fsync AOF directory " + filepath.Join(dir, name) + ": " + aofStrerror(err) + ".")
	}
	return nil
}

// aofFsyncDir makes a rename or a new file in dir durable.
func aofFsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
