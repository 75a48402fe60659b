package engine

// DUMP and RESTORE (Redis 7.0's createDumpPayload, verifyDumpPayload, dumpCommand
// and restoreCommand in cluster.c). A payload is a value as rdbSaveObject writes
// it (type byte and value), then the RDB version as 2 little-endian bytes, then the
// CRC64 of all that as 8 little-endian bytes: the same bytes redis-server
// produces, so payloads move between the two in both directions (MIGRATE,
// redis-cli --cluster, client libraries).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/rdb"
)

var dumpCommands = []*Command{
	{Name: "dump", Arity: 2, Flags: FlagReadonly, Cats: CatKeyspace, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "2.6.0", Complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
		Summary: "Return a serialized version of the value stored at the specified key.",
		Tips:    []string{"nondeterministic_output"},
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
		}},
		Proc: dumpCommand},
	{Name: "restore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Cats: CatKeyspace | CatDangerous, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "generic", Since: "2.6.0", Complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
		Summary: "Create a key using the provided serialized value, previously obtained using DUMP.",
		Doc: &CmdDoc{History: [][2]string{{"3.0.0", "Added the `REPLACE` modifier."}, {"5.0.0", "Added the `ABSTTL` modifier."}, {"5.0.0", "Added the `IDLETIME` and `FREQ` options."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "ttl", Type: "integer"},
				{Name: "serialized-value", Type: "string"},
				{Name: "replace", Type: "pure-token", Token: "REPLACE", Since: "3.0.0", Optional: true},
				{Name: "absttl", Type: "pure-token", Token: "ABSTTL", Since: "5.0.0", Optional: true},
				{Name: "seconds", Type: "integer", Token: "IDLETIME", Since: "5.0.0", Optional: true},
				{Name: "frequency", Type: "integer", Token: "FREQ", Since: "5.0.0", Optional: true},
			}},
		Proc: restoreCommand},
}

// An argument of the rewritten RESTORE (propagation). Shared and read-only.
var argABSTTL = []byte("ABSTTL")

// dumpPayload serializes e as DUMP does (createDumpPayload).
func (s *Server) dumpPayload(e *keyspace.Entry) []byte {
	var buf bytes.Buffer
	// A pooled writer: MIGRATE dumps key after key, and a writer's buffer is
	// 64 KiB.
	w := rdbWriterPool.Get().(*rdb.Writer)
	defer func() { w.Reset(io.Discard); rdbWriterPool.Put(w) }()
	w.Reset(&buf)
	w.Compress = s.cfg.RDBCompression
	w.NoChecksum = false // the payload's CRC is always computed
	s.rdbSaveObject(w, e)
	w.Write([]byte{rdb.Version & 0xff, rdb.Version >> 8})
	var crc [8]byte
	binary.LittleEndian.PutUint64(crc[:], w.CRC())
	w.Write(crc[:])
	w.Flush()
	return buf.Bytes()
}

// verifyDumpPayload checks the footer of a RESTORE payload: a version this
// server writes or older, and the CRC64 (verifyDumpPayload). It returns the
// version.
// skipCRC (DEBUG SET-SKIP-CHECKSUM-VALIDATION) checks the version only.
func verifyDumpPayload(p []byte, skipCRC bool) (int, bool) {
	if len(p) < 10 {
		return 0, false
	}
	footer := p[len(p)-10:]
	ver := int(binary.LittleEndian.Uint16(footer))
	if ver > rdb.Version {
		return ver, false
	}
	return ver, skipCRC || rdb.CRC64(0, p[:len(p)-8]) == binary.LittleEndian.Uint64(footer[2:])
}

// DUMP key
func dumpCommand(c *Client) {
	e := c.db.LookupRead(c.argv[1])
	if e == nil {
		c.ReplyNull()
		return
	}
	c.ReplyBulk(c.srv.dumpPayload(e))
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
func restoreCommand(c *Client) {
	s := c.srv
	argv := c.argv
	replace, absttl := false, false
	freq, idle := int64(-1), int64(-1)
	for j := 4; j < len(argv); j++ {
		additional := len(argv) - j - 1
		switch {
		case eqFold(argv[j], "replace"):
			replace = true
		case eqFold(argv[j], "absttl"):
			absttl = true
		case eqFold(argv[j], "idletime") && additional >= 1 && freq == -1:
			v, ok := parseInt(argv[j+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if v < 0 {
				c.ReplyError("ERR Invalid IDLETIME value, must be >= 0")
				return
			}
			idle = v
			j++
		case eqFold(argv[j], "freq") && additional >= 1 && idle == -1:
			v, ok := parseInt(argv[j+1])
			if !ok {
				c.ReplyError(ErrNotInt)
				return
			}
			if v < 0 || v > 255 {
				c.ReplyError("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			freq = v
			j++
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	key := argv[1]
	if !replace && c.db.LookupWrite(key) != nil {
		c.ReplyError("BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := parseInt(argv[2])
	if !ok {
		c.ReplyError(ErrNotInt)
		return
	}
	if ttl < 0 {
		c.ReplyError("ERR Invalid TTL value, must be >= 0")
		return
	}
	payload := argv[3]
	ver, ok := verifyDumpPayload(payload, s.persist.skipChecksum)
	if !ok {
		c.ReplyError("ERR DUMP payload version or checksum are wrong")
		return
	}
	// The value is read from the whole payload, footer included, as Redis does:
	// a value that runs into the footer loads, trailing bytes are ignored.
	r := rdb.NewBytesReader(payload)
	r.Version = ver
	var v *rdb.Value
	typ, err := r.LoadType()
	if err == nil && rdb.IsObjectType(typ) {
		// Duplicates are looked for while decoding, so a bad payload is refused
		// before a key it would replace is deleted.
		v, err = rdb.ReadValue(r, typ, rdb.Options{Now: s.nowMs, CheckDups: true})
	}
	if err != nil || v == nil {
		// rdbReportError in a RESTORE context: the reason at verbose level.
		var re *rdb.Error
		if errors.As(err, &re) && s.log != nil {
			s.log.Debug(fmt.Sprintf("Internal error in RDB reading offset 0, function at %s -> %s", rdbErrWhere(re), re.Reason))
		}
		c.ReplyError("ERR Bad data format")
		return
	}
	deleted := false
	if replace {
		deleted = c.db.Delete(key)
	}
	if ttl != 0 && !absttl {
		ttl += s.nowMs
	}
	if ttl != 0 && ttl <= s.nowMs && s.expireAllowed() {
		// Already expired: the key is not created, and a replaced one is gone.
		if deleted {
			c.rewriteArgv([][]byte{argDEL, append([]byte(nil), key...)})
			s.signalModified(c.db, key)
			s.notifyKeyspace(NotifyGeneric, "del", key, c.db.id)
			s.dirty++
		}
		c.ReplyOK()
		return
	}
	e, err := s.rdbStoreValue(c.db, key, v)
	if err != nil {
		// Not reached for a payload the decoder accepted with CheckDups; the
		// replaced key is gone all the same, so say so to watchers.
		if deleted {
			s.signalModified(c.db, key)
			s.dirty++
		}
		c.ReplyError("ERR Bad data format")
		return
	}
	if ttl != 0 {
		c.db.SetExpire(key, ttl)
		if !absttl {
			// Propagate the TTL as an absolute time.
			nargv := make([][]byte, 0, len(argv)+1)
			for _, a := range argv {
				nargv = append(nargv, append([]byte(nil), a...))
			}
			nargv[2] = strconv.AppendInt(nil, ttl, 10)
			c.rewriteArgv(append(nargv, argABSTTL))
		}
	}
	s.rdbSetLRUOrLFU(e, int(freq), idle)
	s.signalModified(c.db, key)
	s.notifyKeyspace(NotifyGeneric, "restore", key, c.db.id)
	c.ReplyOK()
	s.dirty++
}
