package rdb

// Decoding of values: every RDB value type is read into a Value in one of a few
// canonical shapes (listpacks stay listpacks, ziplists and zipmaps become
// listpacks, collections saved element by element become slices), validated
// deeply, so the engine only has to pick an encoding and build its object.

import (
	"errors"
	"fmt"
	"math"

	"github.com/keygrid/keygrid/engine/intset"
	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/stream"
)

// Kind is the data type of a Value.
type Kind uint8

const (
	KindString Kind = iota
	KindList
	KindSet
	KindZSet
	KindHash
	KindStream
)

// ListNode is one node of a list: a listpack (validated, not empty) or, for the
// node shapes that hold a single element (QUICKLIST_2 PLAIN nodes, old linked
// lists), that element.
type ListNode struct {
	LP    []byte
	Elem  []byte
	Plain bool
}

// Value is a decoded value. Which fields are set depends on Kind and on the
// shape it was stored in:
//
//	KindString: Str, or Int when IsInt (an integer-encoded string)
//	KindList:   Nodes, in order (Elems of a linked list or ziplist become
//	            single-element plain nodes or listpacks; see Nodes' comment)
//	KindSet:    Intset, LP (7.2's listpack sets) or Members
//	KindZSet:   LP (member, score pairs, sorted) or Members and Scores
//	KindHash:   LP (field, value pairs) or Members (field, value, field, ...)
//	KindStream: Stream
//
// Elements that were stored integer-encoded come back as decimal text.
type Value struct {
	Type    byte
	Kind    Kind
	Str     []byte
	Int     int64
	IsInt   bool
	Nodes   []ListNode
	Intset  []byte
	LP      []byte
	Members [][]byte
	Scores  []float64
	Stream  *stream.Stream
	// MaxLen is the longest element of Members (hash fields and values, zset
	// members), for the encoding choice Redis makes on load.
	MaxLen int
	// PushEach: the list elements came from an old single ziplist
	// (LIST_ZIPLIST) or a linked list (LIST), which Redis pushes one by one
	// into a new quicklist: the engine should too, rather than keep the nodes.
	PushEach bool
}

// Options control decoding.
type Options struct {
	// CheckDups makes the decoder itself reject duplicate set members, hash
	// fields and zset members of the element-by-element shapes (the engine
	// detects those as it inserts; check-rdb has no engine).
	CheckDups bool
	// Now is the current unix time in ms, for callers that judge times read
	// from the input (check-rdb's "already expired").
	Now int64
}

// ErrEmptyKey is returned for a value that decodes to an empty collection:
// Redis skips such keys when loading a file and rejects them in RESTORE.
var ErrEmptyKey = errors.New("empty keys skipped")

// ReadValue decodes a value of type typ.
func ReadValue(r *Reader, typ byte, opt Options) (*Value, error) {
	v := &Value{Type: typ}
	var err error
	switch typ {
	case TypeString:
		v.Kind = KindString
		v.Str, v.Int, v.IsInt, err = r.LoadStringOrInt()
	case TypeList:
		v.Kind = KindList
		err = readLinkedList(r, v)
	case TypeListZiplist:
		v.Kind = KindList
		err = readListZiplist(r, v)
	case TypeListQuicklist, TypeListQuicklist2:
		v.Kind = KindList
		err = readQuicklist(r, v, typ == TypeListQuicklist2)
	case TypeSet:
		v.Kind = KindSet
		err = readMembers(r, v, false, opt.CheckDups, "Duplicate set members detected")
	case TypeSetIntset:
		v.Kind = KindSet
		err = readIntset(r, v)
	case TypeSetListpack:
		v.Kind = KindSet
		err = readSetListpack(r, v)
	case TypeZSet, TypeZSet2:
		v.Kind = KindZSet
		err = readZSet(r, v, typ == TypeZSet2, opt.CheckDups)
	case TypeZSetZiplist:
		v.Kind = KindZSet
		err = readPairsZiplist(r, v, "Zset ziplist integrity check failed.")
	case TypeZSetListpack:
		v.Kind = KindZSet
		err = readPairsListpack(r, v, "Zset listpack integrity check failed.")
	case TypeHash:
		v.Kind = KindHash
		err = readMembers(r, v, true, opt.CheckDups, "Duplicate hash fields detected")
	case TypeHashZipmap:
		v.Kind = KindHash
		err = readZipmap(r, v)
	case TypeHashZiplist:
		v.Kind = KindHash
		err = readPairsZiplist(r, v, "Hash ziplist integrity check failed.")
	case TypeHashListpack:
		v.Kind = KindHash
		err = readPairsListpack(r, v, "Hash listpack integrity check failed.")
	case TypeHashMetadata, TypeHashMetadataPreGA:
		v.Kind = KindHash
		err = readHashMetadata(r, v, typ == TypeHashMetadata, opt)
	case TypeHashListpackEx, TypeHashListpackExPreGA:
		v.Kind = KindHash
		err = readHashListpackEx(r, v, typ == TypeHashListpackEx, opt)
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		v.Kind = KindStream
		err = readStream(r, v, typ, opt)
	case TypeModulePreGA, TypeModule2:
		id, err := r.LoadPlainLen()
		if err != nil {
			return nil, err
		}
		return nil, r.Corrupt("The RDB file contains module data I can't load: no matching module type '%s'", ModuleTypeName(id))
	default:
		return nil, r.Corrupt("Unknown RDB encoding type %d", typ)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ModuleTypeName decodes the 9-character type name from a module type ID
// (moduleTypeNameByID): 6 bits per character, the low 10 bits the encoding
// version.
func ModuleTypeName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for j := 8; j >= 0; j-- {
		name[j] = charset[id&63]
		id >>= 6
	}
	return string(name[:])
}

// loadCount reads a collection length, rejecting 0 (an empty key) and counts
// that cannot be true for the bytes left (each element takes at least a byte).
func loadCount(r *Reader) (uint64, error) {
	n, err := r.LoadPlainLen()
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, ErrEmptyKey
	}
	return n, nil
}

// initialCap bounds a slice preallocation taken from an untrusted count.
func initialCap(n uint64) int { return int(min(n, 1024)) }

func readLinkedList(r *Reader, v *Value) error {
	n, err := loadCount(r)
	if err != nil {
		return err
	}
	v.PushEach = true
	v.Nodes = make([]ListNode, 0, initialCap(n))
	for ; n > 0; n-- {
		s, err := r.LoadString()
		if err != nil {
			return err
		}
		v.Nodes = append(v.Nodes, ListNode{Elem: s, Plain: true})
	}
	return nil
}

func readListZiplist(r *Reader, v *Value) error {
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	lp, err := listpack.FromZiplist(b)
	if err != nil {
		return r.Corrupt("List ziplist integrity check failed.")
	}
	if lp.Len() == 0 {
		return ErrEmptyKey
	}
	v.PushEach = true
	v.Nodes = []ListNode{{LP: lp}}
	return nil
}

func readQuicklist(r *Reader, v *Value, v2 bool) error {
	n, err := loadCount(r)
	if err != nil {
		return err
	}
	v.Nodes = make([]ListNode, 0, initialCap(n))
	for ; n > 0; n-- {
		container := uint64(ContainerPacked)
		if v2 {
			if container, err = r.LoadPlainLen(); err != nil {
				return err
			}
			if container != ContainerPacked && container != ContainerPlain {
				return r.Corrupt("Quicklist integrity check failed.")
			}
		}
		data, err := r.LoadString()
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return r.Corrupt("Quicklist integrity check failed.")
		}
		if container == ContainerPlain {
			v.Nodes = append(v.Nodes, ListNode{Elem: data, Plain: true})
			continue
		}
		var lp listpack.Listpack
		if v2 {
			if listpack.Validate(data, true) != nil {
				return r.Corrupt("Listpack integrity check failed.")
			}
			lp = data
		} else if lp, err = listpack.FromZiplist(data); err != nil {
			return r.Corrupt("Ziplist integrity check failed.")
		}
		if lp.Len() == 0 {
			continue // Redis skips empty nodes silently
		}
		v.Nodes = append(v.Nodes, ListNode{LP: lp})
	}
	if len(v.Nodes) == 0 {
		return ErrEmptyKey
	}
	return nil
}

// readMembers reads a set (pairs false) or hash (pairs true) saved element by
// element.
func readMembers(r *Reader, v *Value, pairs, checkDups bool, dupMsg string) error {
	n, err := loadCount(r)
	if err != nil {
		return err
	}
	total := n
	if pairs {
		if n > math.MaxUint64/2 {
			return r.Corrupt("length %d too large", n)
		}
		total = 2 * n
	}
	v.Members = make([][]byte, 0, initialCap(total))
	var seen map[string]struct{}
	if checkDups {
		seen = make(map[string]struct{}, initialCap(n))
	}
	for i := uint64(0); i < total; i++ {
		s, err := r.LoadString()
		if err != nil {
			return err
		}
		v.MaxLen = max(v.MaxLen, len(s))
		if seen != nil && (!pairs || i%2 == 0) {
			if _, dup := seen[string(s)]; dup {
				return r.Corrupt("%s", dupMsg)
			}
			seen[string(s)] = struct{}{}
		}
		v.Members = append(v.Members, s)
	}
	return nil
}

func readIntset(r *Reader, v *Value) error {
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	if intset.Validate(b, true) != nil {
		return r.Corrupt("Intset integrity check failed.")
	}
	v.Intset = b
	return nil
}

// readSetListpack reads Redis 7.2's listpack set: members, no duplicates.
func readSetListpack(r *Reader, v *Value) error {
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	seen := make(map[string]struct{})
	var buf [20]byte
	err = listpack.ValidateFunc(b, func(e listpack.Entry) error {
		k := string(elemBytes(e, &buf))
		if _, dup := seen[k]; dup {
			return fmt.Errorf("dup")
		}
		seen[k] = struct{}{}
		return nil
	})
	if err != nil {
		return r.Corrupt("Set listpack integrity check failed.")
	}
	if len(seen) == 0 {
		return ErrEmptyKey
	}
	v.LP = b
	return nil
}

func elemBytes(e listpack.Entry, buf *[20]byte) []byte {
	if e.IsInt {
		return appendInt(buf[:0], e.Int)
	}
	return e.Str
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		u := uint64(-n)
		if n == math.MinInt64 {
			u = 1 << 63
		}
		return appendUint(b, u)
	}
	return appendUint(b, uint64(n))
}

func appendUint(b []byte, u uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

func readZSet(r *Reader, v *Value, binary, checkDups bool) error {
	n, err := loadCount(r)
	if err != nil {
		return err
	}
	v.Members = make([][]byte, 0, initialCap(n))
	v.Scores = make([]float64, 0, initialCap(n))
	var seen map[string]struct{}
	if checkDups {
		seen = make(map[string]struct{}, initialCap(n))
	}
	for ; n > 0; n-- {
		m, err := r.LoadString()
		if err != nil {
			return err
		}
		var score float64
		if binary {
			score, err = r.LoadBinaryDouble()
		} else {
			score, err = r.LoadDouble()
		}
		if err != nil {
			return err
		}
		if math.IsNaN(score) {
			return r.Corrupt("Zset with NAN score detected")
		}
		if seen != nil {
			if _, dup := seen[string(m)]; dup {
				return r.Corrupt("Duplicate zset fields detected")
			}
			seen[string(m)] = struct{}{}
		}
		v.MaxLen = max(v.MaxLen, len(m))
		v.Members = append(v.Members, m)
		v.Scores = append(v.Scores, score)
	}
	return nil
}

// validatePairs checks a listpack of pairs: an even count and no duplicate
// first elements (lpPairsValidateIntegrityAndDups, always deep here). It
// returns the number of pairs.
func validatePairs(b []byte, tuple int) (int, error) {
	seen := make(map[string]struct{})
	i := 0
	var buf [20]byte
	err := listpack.ValidateFunc(b, func(e listpack.Entry) error {
		if i%tuple == 0 {
			k := string(elemBytes(e, &buf))
			if _, dup := seen[k]; dup {
				return fmt.Errorf("duplicate")
			}
			seen[k] = struct{}{}
		}
		i++
		return nil
	})
	if err == nil && i%tuple != 0 {
		err = fmt.Errorf("odd count")
	}
	return i / tuple, err
}

func readPairsListpack(r *Reader, v *Value, msg string) error {
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	n, err := validatePairs(b, 2)
	if err != nil {
		return r.Corrupt("%s", msg)
	}
	if n == 0 {
		return ErrEmptyKey
	}
	v.LP = b
	return nil
}

func readPairsZiplist(r *Reader, v *Value, msg string) error {
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	lp, err := listpack.FromZiplist(b)
	if err != nil {
		return r.Corrupt("%s", msg)
	}
	n, err := validatePairs(lp, 2)
	if err != nil {
		return r.Corrupt("%s", msg)
	}
	if n == 0 {
		return ErrEmptyKey
	}
	v.LP = lp
	return nil
}

// readZipmap reads a Redis 2.x zipmap hash into a listpack:
//
//	<count u8, 254 = unknown> (<len> field <len> <free u8> value <free bytes>)* 0xFF
//	len: one byte < 254, or 254 and a 32-bit little-endian length
func readZipmap(r *Reader, v *Value) error {
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	bad := func() error { return r.Corrupt("Zipmap integrity check failed.") }
	if len(b) < 2 || b[len(b)-1] != 0xff {
		return bad()
	}
	readLen := func(p int) (int, int, bool) {
		if p >= len(b)-1 {
			return 0, 0, false
		}
		if b[p] < 254 {
			return int(b[p]), p + 1, true
		}
		if b[p] == 255 || p+5 > len(b)-1 {
			return 0, 0, false
		}
		l := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16 | uint32(b[p+4])<<24
		return int(l), p + 5, true
	}
	lp := listpack.New()
	seen := make(map[string]struct{})
	count := 0
	p := 1
	for b[p] != 0xff {
		fl, q, ok := readLen(p)
		if !ok || fl > len(b) || q+fl >= len(b) {
			return bad()
		}
		field := b[q : q+fl]
		p = q + fl
		vl, q, ok := readLen(p)
		if !ok || q >= len(b)-1 {
			return bad()
		}
		free := int(b[q])
		q++
		if vl > len(b) || q+vl+free >= len(b) {
			return bad()
		}
		val := b[q : q+vl]
		p = q + vl + free
		if _, dup := seen[string(field)]; dup {
			return r.Corrupt("Hash zipmap with dup elements, or big length (%d)", fl)
		}
		seen[string(field)] = struct{}{}
		v.MaxLen = max(v.MaxLen, fl, vl)
		lp.Append(field)
		lp.Append(val)
		count++
	}
	if count == 0 || b[0] != 254 && int(b[0]) != count {
		return bad()
	}
	v.LP = lp
	return nil
}

// errFieldTTL rejects Redis 7.4 hashes whose fields carry TTLs: keygrid, like
// Redis 7.0, has no field expiration, and dropping the TTLs would make
// fields that should vanish live forever.
func errFieldTTL(r *Reader) error {
	return r.Corrupt("hash field expiration (Redis 7.4 HEXPIRE) is not supported")
}

// readHashMetadata reads RDB 12's hashtable hash with field TTLs: [minExpire]
// count (ttl field value)*. Fields without a TTL load as a plain hash.
func readHashMetadata(r *Reader, v *Value, withMin bool, opt Options) error {
	if withMin {
		if _, err := r.LoadMillisecondTime(); err != nil {
			return err
		}
	}
	n, err := loadCount(r)
	if err != nil {
		return err
	}
	v.Type = TypeHash
	v.Members = make([][]byte, 0, initialCap(2*n))
	seen := make(map[string]struct{}, initialCap(n))
	for ; n > 0; n-- {
		ttl, err := r.LoadPlainLen()
		if err != nil {
			return err
		}
		if ttl != 0 {
			return errFieldTTL(r)
		}
		f, err := r.LoadString()
		if err != nil {
			return err
		}
		val, err := r.LoadString()
		if err != nil {
			return err
		}
		if _, dup := seen[string(f)]; dup {
			return r.Corrupt("Duplicate hash fields detected")
		}
		seen[string(f)] = struct{}{}
		v.MaxLen = max(v.MaxLen, len(f), len(val))
		v.Members = append(v.Members, f, val)
	}
	return nil
}

// readHashListpackEx reads RDB 12's listpack hash with field TTLs: [minExpire]
// and a listpack of (field, value, ttl) triples, ttl 0 meaning none.
func readHashListpackEx(r *Reader, v *Value, withMin bool, opt Options) error {
	if withMin {
		if _, err := r.LoadMillisecondTime(); err != nil {
			return err
		}
	}
	b, err := r.LoadString()
	if err != nil {
		return err
	}
	n, err := validatePairs(b, 3)
	if err != nil {
		return r.Corrupt("Hash listpack integrity check failed.")
	}
	if n == 0 {
		return ErrEmptyKey
	}
	lp := listpack.Listpack(b)
	out := listpack.New()
	i := 0
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		e := lp.Get(p)
		if i%3 == 2 {
			if !(e.IsInt && e.Int == 0) {
				return errFieldTTL(r)
			}
		} else if e.IsInt {
			out.AppendInt(e.Int)
		} else {
			out.Append(e.Str)
		}
		i++
	}
	v.Type = TypeHashListpack
	v.LP = out
	return nil
}
