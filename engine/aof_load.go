package engine

// Loading the AOF at start, as Redis 7.0's loadAppendOnlyFiles: the manifest names
// a base file (an RDB, or commands) and incr files; each is replayed in order
// through the command handlers with a fake client that has no connection. The
// parser follows Redis's loadSingleAppendOnlyFile byte for byte (fgets-sized lines,
// '#' annotations skipped, the CRLF after a bulk read but not checked), so the same
// file is accepted, truncated or refused by keygrid exactly when redis-server would,
// with the same log lines:
//
//   - a file cut short (a crash mid-write) is truncated at the last whole command
//     and loaded with aof-load-truncated yes, refused with no; only the last file
//     may be short;
//   - a MULTI without its EXEC at the end counts as cut short, from the MULTI;
//   - anything else malformed is a format error: the server refuses to start and
//     names the file and the offset.
//
// An old single-file appendonly.aof in dir (Redis ≤ 6.2) is first moved into
// appenddirname with a manifest naming it the base (Redis's upgrade).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/keygrid/keygrid/engine/rdb"

	"github.com/keygrid/keygrid/engine/config"
)

// Results of loading AOF files (Redis's AOF_OK ... AOF_TRUNCATED).
const (
	aofLoadOK = iota
	aofLoadNotExist
	aofLoadEmpty
	aofLoadOpenErr
	aofLoadFailed
	aofLoadTruncated
)

// aofLineMax is the fgets buffer of the loader (AOF_ANNOTATION_LINE_MAX_LEN).
const aofLineMax = 1024

// aofCmdReader reads the commands of an AOF as Redis's loader does.
type aofCmdReader struct {
	r   *bufio.Reader
	off int64 // bytes consumed (ftello)
	eof bool  // the underlying reader reached its end (feof)
	err error // a read error other than EOF
	buf []byte
}

// Kinds of parse outcomes.
const (
	aofParseCmd       = iota // a command is in argv
	aofParseEnd              // clean end of file
	aofParseShort            // read error: truncated when eof, else an I/O error
	aofParseFormat           // malformed
	aofParseAnnotated        // an annotation line was skipped
)

func newAOFCmdReader(r io.Reader, off int64) *aofCmdReader {
	return &aofCmdReader{r: bufio.NewReaderSize(r, 64<<10), off: off}
}

// fgets reads a line of at most max-1 bytes (including '\n'), nil at EOF.
func (a *aofCmdReader) fgets(max int) []byte {
	a.buf = a.buf[:0]
	for len(a.buf) < max-1 {
		c, err := a.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				a.eof = true
			} else {
				a.err = err
			}
			break
		}
		a.buf = append(a.buf, c)
		a.off++
		if c == '\n' {
			break
		}
	}
	if len(a.buf) == 0 {
		return nil
	}
	return a.buf
}

// fread reads exactly n bytes into dst; false when fewer were there.
func (a *aofCmdReader) fread(dst []byte) bool {
	n, err := io.ReadFull(a.r, dst)
	a.off += int64(n)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			a.eof = true
		} else {
			a.err = err
		}
		return false
	}
	return true
}

// next parses one command into argv (fresh memory, safe to keep).
func (a *aofCmdReader) next() (argv [][]byte, kind int) {
	line := a.fgets(aofLineMax)
	if line == nil {
		if a.err != nil {
			return nil, aofParseShort
		}
		return nil, aofParseEnd
	}
	if line[0] == '#' {
		return nil, aofParseAnnotated
	}
	if line[0] != '*' {
		return nil, aofParseFormat
	}
	if len(line) == 1 {
		return nil, aofParseShort
	}
	argc := config.Atoll(string(line[1:]))
	if argc < 1 || argc > 1<<20 {
		return nil, aofParseFormat
	}
	argv = make([][]byte, 0, argc)
	var crlf [2]byte
	for j := int64(0); j < argc; j++ {
		line := a.fgets(aofLineMax)
		if line == nil {
			return nil, aofParseShort
		}
		if line[0] != '$' {
			return nil, aofParseFormat
		}
		n := config.Atoll(string(line[1:]))
		if n < 0 || n > 1<<32 {
			return nil, aofParseFormat
		}
		v := make([]byte, n)
		if n > 0 && !a.fread(v) {
			return nil, aofParseShort
		}
		if !a.fread(crlf[:]) {
			return nil, aofParseShort
		}
		argv = append(argv, v)
	}
	return argv, aofParseCmd
}

// aofLoadClient is the fake client that replays the AOF: no socket, its replies
// dropped, never blocked (Redis's createAOFClient).
func (s *Server) aofLoadClient() *Client {
	c := &Client{srv: s, fd: -1, id: -1, db: s.dbs[0], proto: 2,
		flags: flagAuthenticated | flagDenyBlocking}
	return c
}

// aofExec runs one command of the AOF with the fake client. It returns false for a
// command that can't run (unknown, wrong arity), after logging why.
func (s *Server) aofExec(c *Client, argv [][]byte, file string) bool {
	cmd := s.commands.Lookup(argv[0])
	if cmd != nil && len(cmd.Subs) > 0 && len(argv) >= 2 {
		cmd = cmd.LookupSub(argv[1])
	}
	if cmd == nil {
		s.log.Warn("Unknown command '" + string(argv[0]) + "' reading the append only file " + file)
		return false
	}
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		s.log.Warn("Wrong number of arguments for '" + string(argv[0]) + "' reading the append only file " + file)
		return false
	}
	c.argv = argv
	c.cmd = cmd
	wasWriting := s.evict.writing
	s.evict.writing = cmd.Flags&FlagWrite != 0
	cmd.Proc(c)
	s.evict.writing = wasWriting
	if len(c.out) > 0 && c.out[0] == '-' {
		s.propagationError(c, c.out, "server", "AOF-loading-client") // repl_errors.go
	}
	if len(s.evict.pending) > 0 {
		s.settleMem()
	}
	c.rewritten = nil
	c.propagateMany = nil
	c.flags &^= flagForcePropagate | flagNoPropagate
	c.out = c.out[:0]
	c.argv = nil
	return true
}

// loadSingleAppendOnlyFile replays one file of the AOF directory (Redis's function
// of that name). err describes a failure for the caller to report.
func (s *Server) loadSingleAppendOnlyFile(name string) (int, error) {
	path := s.aofPath(name)
	f, err := os.Open(path)
	if err != nil {
		if _, serr := os.Stat(path); serr == nil || !errors.Is(serr, os.ErrNotExist) {
			msg := "Fatal error: can't open the append log file " + name + " for reading: " + aofStrerror(err)
			s.log.Warn(msg)
			return aofLoadOpenErr, errors.New(msg)
		}
		s.log.Warn("The append log file " + name + " doesn't exist: " + aofStrerror(err))
		return aofLoadNotExist, nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
		return aofLoadEmpty, nil
	}
	var sig [5]byte
	n, _ := io.ReadFull(f, sig[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return aofLoadFailed, err
	}
	var src io.Reader = f
	var start int64
	if n == 5 && string(sig[:]) == "REDIS" {
		oldStyle := name == s.cfg.AppendFilename
		if oldStyle {
			s.log.Info("Reading RDB preamble from AOF file...")
		} else {
			s.log.Info("Reading RDB base file on AOF loading...")
		}
		rr := rdb.NewReader(f)
		if _, err := s.loadRDBStats(rr, true); err != nil {
			if errors.Is(err, errShutdownWhileLoading) {
				return aofLoadFailed, err
			}
			var msg string
			if oldStyle {
				msg = "Error reading the RDB preamble of the AOF file " + name + ", AOF loading aborted"
			} else {
				msg = "Error reading the RDB base file " + name + ", AOF loading aborted"
			}
			s.log.Warn(msg + ": " + err.Error())
			return aofLoadFailed, errors.New(msg + ": " + err.Error())
		}
		start = rr.Offset()
		src = rr.Rest()
		if oldStyle {
			s.log.Info("Reading the remaining AOF tail...")
		}
	}
	return s.replayAOF(src, start, name, path)
}

// replayAOF runs the commands of r (file name, at path) from offset start.
func (s *Server) replayAOF(r io.Reader, start int64, name, path string) (int, error) {
	ar := newAOFCmdReader(r, start)
	c := s.aofLoadClient()
	validUpTo := start
	validBeforeMulti := start
	var multi [][][]byte // queued commands while in MULTI (nil: not in MULTI)
	inMulti := false
	s.nowMs = time.Now().UnixMilli()
	for loops := 0; ; loops++ {
		if loops%1024 == 0 {
			if loops > 0 && s.persist.ld.events {
				// Redis serves clients every 1024 commands of an AOF.
				if err := s.loadingServe(ar.off); err != nil {
					return aofLoadFailed, err
				}
			}
			s.nowMs = time.Now().UnixMilli()
		}
		cmdStart := ar.off
		argv, kind := ar.next()
		switch kind {
		case aofParseAnnotated:
			continue
		case aofParseEnd:
			if inMulti {
				s.log.Warn("Revert incomplete MULTI/EXEC transaction in AOF file " + name)
				return s.aofShortRead(name, path, validBeforeMulti)
			}
			return aofLoadOK, nil
		case aofParseShort:
			if !ar.eof && ar.err != nil {
				msg := "Unrecoverable error reading the append only file " + name + ": " + aofStrerror(ar.err)
				s.log.Warn(msg)
				return aofLoadFailed, errors.New(msg)
			}
			if inMulti {
				// Redis 7.0 cuts after the last whole queued command here, leaving a
				// MULTI with no EXEC in the file: writes appended after restart are
				// then queued behind it and reverted at the next load (found by the
				// aof-unfinished-multi drill; Valkey fixed it the same way, #4342).
				s.log.Warn("Revert incomplete MULTI/EXEC transaction in AOF file " + name)
				validUpTo = validBeforeMulti
			}
			return s.aofShortRead(name, path, validUpTo)
		case aofParseFormat:
			msg := "Bad file format reading the append only file " + name + ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
			// keygrid's own line first: Redis's is the last one the server logs.
			s.log.Warn("The malformed command of " + name + " starts at offset " + strconv.FormatInt(cmdStart, 10))
			s.log.Warn(msg)
			return aofLoadFailed, fmt.Errorf("%s (offset %d)", msg, cmdStart)
		}
		switch {
		case eqFold(argv[0], "multi") && !inMulti:
			validBeforeMulti = validUpTo
			inMulti = true
			multi = multi[:0]
		case eqFold(argv[0], "exec") && inMulti:
			inMulti = false
			for _, q := range multi {
				if !s.aofExec(c, q, name) {
					return aofLoadFailed, errors.New("Unknown command '" + string(q[0]) + "' reading the append only file " + name)
				}
			}
			multi = multi[:0]
		case inMulti:
			// Checked now, as Redis looks the command up before queueing it.
			if cmd := s.commands.Lookup(argv[0]); cmd == nil {
				s.log.Warn("Unknown command '" + string(argv[0]) + "' reading the append only file " + name)
				return aofLoadFailed, errors.New("Unknown command '" + string(argv[0]) + "' reading the append only file " + name)
			}
			multi = append(multi, argv)
		default:
			if !s.aofExec(c, argv, name) {
				return aofLoadFailed, errors.New("Unknown command '" + string(argv[0]) + "' reading the append only file " + name)
			}
		}
		if s.cfg.AOFLoadTruncated {
			validUpTo = ar.off
		}
	}
}

// aofShortRead handles a file that ends mid-command (Redis's uxeof label).
func (s *Server) aofShortRead(name, path string, validUpTo int64) (int, error) {
	if s.cfg.AOFLoadTruncated {
		s.log.Warn("!!! Warning: short read while loading the AOF file " + name + "!!!")
		s.log.Warn("!!! Truncating the AOF " + name + " at offset " + strconv.FormatInt(validUpTo, 10) + " !!!")
		if err := os.Truncate(path, validUpTo); err != nil {
			s.log.Warn("Error truncating the AOF file " + name + ": " + aofStrerror(err))
		} else {
			s.log.Warn("AOF " + name + " loaded anyway because aof-load-truncated is enabled")
			return aofLoadTruncated, nil
		}
	}
	msg := "Unexpected end of file reading the append only file " + name + ". You can: " +
		"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. " +
		"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
	s.log.Warn(msg)
	return aofLoadFailed, errors.New(msg)
}

// loadAppendOnlyFiles loads every file the manifest lists (Redis's function of that
// name), upgrading an old single-file AOF first.
func (s *Server) loadAppendOnlyFiles(m *aofManifest) (int, error) {
	if err := s.aofUpgradeIfNeeded(m); err != nil {
		return aofLoadFailed, err
	}
	if m.base == nil && len(m.incr) == 0 {
		return aofLoadNotExist, nil
	}
	total := len(m.incr)
	if m.base != nil {
		total++
	}
	var totalSize, baseSize int64
	names := make([]string, 0, total)
	if m.base != nil {
		names = append(names, m.base.name)
	}
	for _, ai := range m.incr {
		names = append(names, ai.name)
	}
	for _, n := range names {
		size, err := s.aofFileSize(n)
		if err != nil {
			// A file the manifest lists but the disk lacks is fatal.
			return aofLoadFailed, errors.New("Unable to obtain the AOF file " + n + " length. stat: " + aofStrerror(err))
		}
		totalSize += size
	}
	if totalSize == 0 {
		return aofLoadEmpty, nil
	}
	s.aof.loading = true
	s.startLoading(totalSize) // INFO persistence loading:1, clients get -LOADING
	noExpire := s.replicaNoExpire
	s.replicaNoExpire = true // nothing expires while loading (Redis's keyIsExpired)
	defer func() {
		s.aof.loading = false
		s.stopLoading()
		s.replicaNoExpire = noExpire
	}()
	ret := aofLoadOK
	var done int64 // bytes of the files before this one (loading_loaded_bytes)
	for i, n := range names {
		last := i == total-1
		isBase := m.base != nil && i == 0
		started := time.Now()
		if isBase {
			baseSize, _ = s.aofFileSize(n)
		}
		s.loadingFile(done)
		size, _ := s.aofFileSize(n)
		done += size
		r, err := s.loadSingleAppendOnlyFile(n)
		if errors.Is(err, errShutdownWhileLoading) {
			return aofLoadFailed, err
		}
		ret = r
		if r == aofLoadOK || (r == aofLoadTruncated && last) {
			kind := "incr"
			if isBase {
				kind = "base"
			}
			s.log.Info(fmt.Sprintf("DB loaded from %s file %s: %.3f seconds", kind, n, time.Since(started).Seconds()))
		}
		if r == aofLoadEmpty && !isBase {
			ret = aofLoadOK
		}
		if r == aofLoadTruncated && !last {
			s.log.Warn("Fatal error: the truncated file is not the last file")
			return aofLoadFailed, errors.New("Fatal error: the truncated file is not the last file")
		}
		if r == aofLoadOpenErr || r == aofLoadFailed {
			return r, err
		}
		if r == aofLoadNotExist {
			return aofLoadFailed, errors.New("The append log file " + n + " doesn't exist")
		}
	}
	s.aof.currentSize = totalSize
	s.aof.rewriteBaseSize = baseSize
	return ret, nil
}

// aofUpgradeIfNeeded moves an old-style dir/appendonly.aof into appenddirname as
// the base of a new manifest (Redis's upgrade conditions and aofUpgradePrepare).
func (s *Server) aofUpgradeIfNeeded(m *aofManifest) error {
	old := s.cfg.AppendFilename
	oldPath := s.cfg.Dir + "/" + old
	if _, err := os.Stat(oldPath); err != nil {
		return nil
	}
	_, dirErr := os.Stat(s.aofDir())
	_, inDirErr := os.Stat(s.aofPath(old))
	if !(dirErr != nil ||
		(m.base == nil && len(m.incr) == 0) ||
		(m.base != nil && len(m.incr) == 0 && m.base.name == old && inDirErr != nil)) {
		return nil
	}
	if err := s.aofCreateDir(); err != nil {
		return errors.New("Can't open or create append-only dir " + s.cfg.AppendDirname + ": " + aofStrerror(err))
	}
	m.base = &aofInfo{name: old, seq: 1, typ: aofTypeBase}
	m.baseSeq = 1
	m.dirty = true
	if err := s.persistManifest(m); err != nil {
		return err
	}
	if err := os.Rename(oldPath, s.aofPath(old)); err != nil {
		return errors.New("Error trying to move the old AOF file " + old + " into dir " + s.cfg.AppendDirname + ": " + aofStrerror(err))
	}
	s.log.Info("Successfully migrated an old-style AOF file (" + old + ") into the AOF directory (" + s.cfg.AppendDirname + ").")
	return nil
}

// aofLoadManifestFromDisk reads the manifest, if any (an empty one otherwise), as
// Redis does at every start, AOF on or off, so a later CONFIG SET appendonly yes
// continues its sequence numbers.
func (s *Server) aofLoadManifestFromDisk() error {
	s.aof.manifest = &aofManifest{}
	m, err := loadManifestFile(s.aofPath(s.cfg.AppendFilename + aofManifestSuffix))
	if err != nil {
		var me *manifestError
		if errors.As(err, &me) {
			// Redis's lines, their newlines included.
			s.log.Warn("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
			if me.line > 0 {
				s.log.Warn("Reading the manifest file, at line " + strconv.Itoa(me.line) + "\n")
				s.log.Warn(">>> '" + me.text + "'\n")
			}
			s.log.Warn(me.message + "\n")
			return startupLogged{errors.New(me.message)}
		}
		s.log.Warn("Fatal error: can't open the AOF manifest file " + s.aofPath(s.cfg.AppendFilename+aofManifestSuffix) + " for reading: " + aofStrerror(err))
		return startupLogged{err}
	}
	if m != nil {
		s.aof.manifest = m
	}
	return nil
}

// aofLoadAtStart does the AOF's part of starting: the manifest is read, and with
// appendonly yes the AOF is loaded, opened for appending and its history cleaned
// (Redis's aofLoadManifestFromDisk, loadDataFromDisk's AOF branch,
// aofOpenIfNeededOnServerStart, aofDelHistoryFiles); the RDB is then not loaded
// (persist.go's loadDataAtStart skips it). An error is fatal: the server must not
// start. Start calls it once, with the sockets open (clients get -LOADING).
func (s *Server) aofLoadAtStart() error {
	if err := s.aofLoadManifestFromDisk(); err != nil {
		return err
	}
	if !s.cfg.AppendOnly {
		return nil
	}
	s.aof.state = aofOn
	s.startBio()
	s.updatePropagate()
	started := time.Now()
	var ret int
	var err error
	// The listening sockets are open: clients are served -LOADING meanwhile.
	s.loadServing(nil, func() { ret, err = s.loadAppendOnlyFiles(s.aof.manifest) })
	if errors.Is(err, errShutdownWhileLoading) {
		return err
	}
	if ret == aofLoadFailed || ret == aofLoadOpenErr {
		if err == nil {
			err = errors.New("AOF loading failed")
		}
		return startupLogged{err} // loadAppendOnlyFiles logged why
	}
	if ret != aofLoadNotExist {
		s.log.Info(fmt.Sprintf("DB loaded from append only file: %.3f seconds", time.Since(started).Seconds()))
	}
	if err := s.aofOpenOnStart(); err != nil {
		s.log.Warn(err.Error())
		return startupLogged{err}
	}
	s.aofDelHistoryFiles()
	return nil
}

// DEBUG LOADAOF: write out the AOF buffer, empty the dataset and load the AOF again
// (Redis's test suite uses it to check what the AOF holds). As in Redis, a load that
// does not end in OK or empty stops the server.
func debugLoadAOF(c *Client) {
	s := c.srv
	if s.persist.loading {
		c.ReplyError(errLoading) // DEBUG has the loading flag: no load inside a load
		return
	}
	if s.aof.state == aofOn {
		s.flushAOF(true)
	}
	s.emptyData() // the functions too: the AOF loads them again
	if err := s.aofLoadManifestFromDisk(); err != nil {
		s.log.Sync()
		os.Exit(1)
	}
	s.aofDelHistoryFiles()
	var ret int
	var err error
	s.loadServing(c, func() { ret, err = s.loadAppendOnlyFiles(s.aof.manifest) })
	if errors.Is(err, errShutdownWhileLoading) {
		return // SHUTDOWN came meanwhile: the server is stopping
	}
	if ret != aofLoadOK && ret != aofLoadEmpty {
		s.log.Sync()
		os.Exit(1)
	}
	s.dirty = 0
	s.log.Warn("Append Only File loaded by DEBUG LOADAOF")
	c.ReplyOK()
}
