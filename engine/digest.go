package engine

// DEBUG DIGEST and DEBUG DIGEST-VALUE (Redis's debug.c): a SHA1-based fingerprint
// of the dataset that does not depend on encodings or on the order of unordered
// collections, computed exactly as Redis computes it, so the same data on
// redis-server and on keygrid gives the same hex string (the differential and
// interop tests compare datasets with it).
//
// xor folds an element's SHA1 into a digest (order-free: sets, hash fields, keys);
// mix folds it and hashes the result (order-sensitive: list elements, stream
// entries).

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"

	"github.com/keygrid/keygrid/engine/keyspace"
	"github.com/keygrid/keygrid/engine/listpack"
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/engine/stream"
)

type digest [20]byte

// xor is Redis's xorDigest: d ^= SHA1(p).
func (d *digest) xor(p []byte) {
	h := sha1.Sum(p)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mix is Redis's mixDigest: d = SHA1(d ^ SHA1(p)).
func (d *digest) mix(p []byte) {
	d.xor(p)
	*d = sha1.Sum(d[:])
}

func (d *digest) String() string { return hex.EncodeToString(d[:]) }

// digestScore formats a score as C's "%.17g" does (zzlGetScore's and the
// skiplist's scores both go through it).
func digestScore(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return resp.AppendG17(b, f)
}

// xorObjectDigest is Redis's xorObjectDigest: the value's type, its elements,
// and "!!expire!!" when the key has a TTL, folded into d.
func (s *Server) xorObjectDigest(d *digest, e *keyspace.Entry) {
	var aux [4]byte
	binary.BigEndian.PutUint32(aux[:], metaType(e.Meta))
	d.mix(aux[:])
	var buf [20]byte
	var sb [40]byte
	switch metaType(e.Meta) {
	case TypeString:
		d.mix(stringValue(e))
	case TypeList:
		it := listOf(e).Iter(0, false)
		for {
			el, ok := it.Next()
			if !ok {
				break
			}
			d.mix(entryBytes(el, buf[:0]))
		}
	case TypeSet:
		setOf(e).each(func(el setElem) bool {
			d.xor(el.bytes(&buf))
			return true
		})
	case TypeZSet:
		z := zsetOf(e)
		for p := z.first(); p >= 0; p = z.next(p) {
			var el digest
			el.mix(z.memberAt(p, &buf))
			el.mix(digestScore(sb[:0], z.scoreAt(p)))
			d.xor(el[:])
		}
	case TypeHash:
		var vb [20]byte
		hashEach(e, func(f, v listpack.Entry) bool {
			var el digest
			el.mix(hashElemBytes(f, &buf))
			el.mix(hashElemBytes(v, &vb))
			d.xor(el[:])
			return true
		})
	case TypeStream:
		var it stream.Iterator
		it.Start(streamOf(e), stream.ID{}, stream.MaxID, false)
		for {
			id, n, ok := it.Next()
			if !ok {
				break
			}
			b := strconv.AppendUint(sb[:0], id.Ms, 10)
			b = append(b, '.')
			d.mix(strconv.AppendUint(b, id.Seq, 10))
			var vb [20]byte
			for ; n > 0; n-- {
				f, v := it.Field()
				d.mix(hashElemBytes(f, &buf))
				d.mix(hashElemBytes(v, &vb))
			}
		}
	}
	if e.Expire != 0 {
		d.xor([]byte("!!expire!!"))
	}
}

// datasetDigest is Redis's computeDatasetDigest: per non-empty database its
// number, then the xor of every key's (key, value) digest. All zeros when empty.
func (s *Server) datasetDigest() digest {
	var final digest
	for _, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		var aux [4]byte
		binary.BigEndian.PutUint32(aux[:], uint32(db.id))
		final.mix(aux[:])
		for _, dict := range db.dicts {
			dict.Each(func(r keyspace.Ref) bool {
				e := dict.E(r)
				var kd digest
				kd.mix(bytesOf(e.Key()))
				s.xorObjectDigest(&kd, e)
				final.xor(kd[:])
				return true
			})
		}
	}
	return final
}

// DEBUG DIGEST
func debugDigest(c *Client) {
	d := c.srv.datasetDigest()
	c.ReplySimple(d.String())
}

// DEBUG DIGEST-VALUE [key ...]: logically expired keys are digested too (no
// lookup that would expire them), missing keys give all zeros.
func debugDigestValue(c *Client) {
	c.ReplyArray(len(c.argv) - 2)
	for _, key := range c.argv[2:] {
		var d digest
		if dict, r := c.db.find(key); r != 0 {
			c.srv.xorObjectDigest(&d, dict.E(r))
		}
		c.ReplySimple(d.String())
	}
}
