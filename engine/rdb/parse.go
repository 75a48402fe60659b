package rdb

// Parse: a whole RDB stream, opcode by opcode, as rdbLoadRioWithLoadingCtx reads
// it, handing each piece to a Handler. The engine's loader, check-rdb and the
// fuzzers all go through it.

import (
	"encoding/binary"
	"fmt"
)

// Key is one key read from a file, with the opcodes that preceded it.
type Key struct {
	DB     uint64
	Key    []byte
	Expire int64 // unix ms; -1 for none
	Idle   int64 // LRU idle seconds (IDLE opcode); -1 for none
	Freq   int   // LFU counter (FREQ opcode); -1 for none
	Value  *Value
	// Offset is where the key's type byte started.
	Offset int64
}

// Handler receives what Parse reads. Nil fields ignore their event. A non-nil
// error from a callback stops the parse and is returned as is.
type Handler struct {
	Aux      func(key, val []byte) error
	SelectDB func(db uint64) error
	ResizeDB func(size, expires uint64) error
	// Function receives the code of a function library (FUNCTION2 opcode).
	Function func(code []byte) error
	// Key receives each key whose value decoded to a non-empty collection.
	Key func(k *Key) error
	// EmptyKey receives keys Redis skips because their value is empty.
	EmptyKey func(db uint64, key []byte) error
}

// Result summarizes a parse.
type Result struct {
	Version int
	// Checksum is the CRC64 stored in the file (0: not computed by the
	// writer); Computed the one of the bytes read. Parse fails when both are
	// non-zero and differ, unless told not to check.
	Checksum, Computed uint64
}

// ParseOptions control Parse.
type ParseOptions struct {
	Options
	// SkipChecksum disables the CRC check (rdbchecksum no).
	SkipChecksum bool
	// Transient lets Parse reuse memory between keys, for a handler that
	// copies what it keeps (the engine's loader): the *Key, its Key bytes,
	// and for string values the *Value and its Str are only valid during the
	// Key (or EmptyKey) call. Values of other types are fresh as always.
	Transient bool
}

// Parse reads a whole RDB stream from r: magic, opcodes, keys, EOF, checksum.
func Parse(r *Reader, h *Handler, opt ParseOptions) (Result, error) {
	// What is being read, for the error (redis-check-rdb's "While doing"), and
	// the type of the key being read: 0 until a key was read (the quirk of
	// redis-check-rdb's zeroed state), -1 between keys.
	doing, keyType := "", 0
	res, err := parse(r, h, opt, &doing, &keyType)
	if err != nil && doing != "" {
		err = annotate(err, doing, nil, keyType)
	}
	return res, err
}

func parse(r *Reader, h *Handler, opt ParseOptions, doing *string, keyType *int) (Result, error) {
	var res Result
	*doing = "start"
	if err := r.ReadMagic(); err != nil {
		return res, err
	}
	res.Version = r.Version
	var db uint64
	expire, idle, freq := int64(-1), int64(-1), -1
	// Reused per key when opt.Transient.
	var keyBuf, valBuf []byte
	var tkey Key
	var tval Value
	for {
		start := r.Offset()
		*doing = "read-type"
		typ, err := r.LoadType()
		if err != nil {
			return res, err
		}
		switch typ {
		case OpExpireTime:
			*doing = "read-expire"
			t, err := r.LoadTime32()
			if err != nil {
				return res, err
			}
			expire = t * 1000
			continue
		case OpExpireTimeMs:
			*doing = "read-expire"
			if expire, err = r.LoadMillisecondTime(); err != nil {
				return res, err
			}
			continue
		case OpFreq:
			b, err := r.ReadByte()
			if err != nil {
				return res, err
			}
			freq = int(b)
			continue
		case OpIdle:
			n, err := r.LoadPlainLen()
			if err != nil {
				return res, err
			}
			idle = int64(min(n, 1<<62))
			continue
		case OpEOF:
		case OpSelectDB:
			*doing = "read-len"
			if db, err = r.LoadPlainLen(); err != nil {
				return res, err
			}
			if h.SelectDB != nil {
				if err := h.SelectDB(db); err != nil {
					return res, err
				}
			}
			continue
		case OpResizeDB:
			*doing = "read-len"
			size, err := r.LoadPlainLen()
			if err != nil {
				return res, err
			}
			expires, err := r.LoadPlainLen()
			if err != nil {
				return res, err
			}
			if h.ResizeDB != nil {
				if err := h.ResizeDB(size, expires); err != nil {
					return res, err
				}
			}
			continue
		case OpAux:
			*doing = "read-aux"
			k, err := r.LoadString()
			if err != nil {
				return res, err
			}
			v, err := r.LoadString()
			if err != nil {
				return res, err
			}
			if h.Aux != nil {
				if err := h.Aux(k, v); err != nil {
					return res, err
				}
			}
			continue
		case OpModuleAux:
			*doing = "read-module-aux"
			id, err := r.LoadPlainLen()
			if err != nil {
				return res, err
			}
			return res, &Error{Offset: start, Type: -1, Reason: fmt.Sprintf(
				"The RDB file contains AUX module data I can't load: no matching module '%s'", ModuleTypeName(id))}
		case OpFunctionPreGA:
			return res, &Error{Offset: start, Type: -1, Reason: "Pre-release function format not supported."}
		case OpFunction2:
			*doing = "read-functions"
			code, err := r.LoadString()
			if err != nil {
				return res, err
			}
			if h.Function != nil {
				if err := h.Function(code); err != nil {
					return res, err
				}
			}
			continue
		case OpSlotInfo:
			// slot id, slot size, expires slot size (7.4 cluster mode): hints only.
			for range 3 {
				if _, err := r.LoadPlainLen(); err != nil {
					return res, err
				}
			}
			continue
		default:
			if !IsObjectType(typ) {
				return res, &Error{Offset: start, Type: -1, Reason: fmt.Sprintf("Unknown RDB encoding type %d", typ)}
			}
			*keyType = int(typ)
			*doing = "read-key"
			var key []byte
			if opt.Transient {
				key, _, _, err = r.loadStringTransient(&keyBuf, false)
			} else {
				key, err = r.LoadString()
			}
			if err != nil {
				return res, err
			}
			var v *Value
			if opt.Transient && typ == TypeString {
				tval = Value{Type: typ, Kind: KindString}
				tval.Str, tval.Int, tval.IsInt, err = r.loadStringTransient(&valBuf, true)
				v = &tval
			} else {
				v, err = ReadValue(r, typ, opt.Options)
			}
			if err != nil && err != ErrEmptyKey {
				if opt.Transient {
					key = append([]byte(nil), key...) // the error outlives the buffer
				}
				err = annotate(err, "read-object-value", key, int(typ))
			}
			if err == ErrEmptyKey {
				if h.EmptyKey != nil {
					if err := h.EmptyKey(db, key); err != nil {
						return res, err
					}
				}
			} else if err != nil {
				return res, err
			} else if h.Key != nil {
				var k *Key
				if opt.Transient {
					k = &tkey
				} else {
					k = new(Key)
				}
				*k = Key{DB: db, Key: key, Expire: expire, Idle: idle, Freq: freq, Value: v, Offset: start}
				if err := h.Key(k); err != nil {
					return res, err
				}
			}
			expire, idle, freq = -1, -1, -1
			*keyType = -1
			continue
		}
		break // EOF opcode
	}
	if res.Version >= 5 {
		*doing = "check-sum"
		res.Computed = r.CRC()
		var b [8]byte
		if err := r.ReadInto(b[:]); err != nil {
			return res, err
		}
		res.Checksum = binary.LittleEndian.Uint64(b[:])
		if !opt.SkipChecksum && res.Checksum != 0 && res.Checksum != res.Computed {
			// At the end of the file, as redis-check-rdb reports it; the two
			// sums are in res for the loader's log line.
			return res, &Error{Offset: r.Offset(), Type: -1, Doing: "check-sum", Reason: reasonCRC}
		}
	}
	*doing = ""
	return res, nil
}

// annotate adds what was being read to a decoding Error.
func annotate(err error, doing string, key []byte, typ int) error {
	if e, ok := err.(*Error); ok {
		if e.Doing == "" {
			e.Doing, e.Key, e.Type = doing, key, typ
		}
	}
	return err
}
