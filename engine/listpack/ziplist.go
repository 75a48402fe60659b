// ziplist.go: reading Redis's pre-7.0 ziplist format, which RDB files written by
// Redis 6.2 and older (and RESTORE payloads from them) carry for small hashes,
// lists and sorted sets. Ziplists are only ever converted to listpacks, never
// written.
//
//	<zlbytes u32> <zltail u32> <zllen u16> <entry> ... <0xFF>
//	entry = <prevlen> <encoding> <data>
//	prevlen: 1 byte if < 254, else 0xFE + u32 (a 5-byte form may hold small values)
//	00pppppp                 string, 6-bit length
//	01pppppp qqqqqqqq        string, 14-bit length, big endian
//	10______ <u32 BE>        string, 32-bit length, big endian
//	11000000 / 11010000 / 11100000 / 11110000 / 11111110   int16 / int32 / int64 / int24 / int8
//	1111xxxx (0001..1101)    immediate integer xxxx-1, 0..12
//
// Integers are little endian. zltail is the offset of the last entry; zllen is
// 65535 when the count does not fit.

package listpack

const (
	zipHeaderSize = 10
	zipEnd        = 0xFF
	zipBigPrevlen = 254

	zipStr06B = 0x00
	zipStr14B = 0x40
	zipStr32B = 0x80
	zipInt16B = 0xC0
	zipInt32B = 0xD0
	zipInt64B = 0xE0
	zipInt24B = 0xF0
	zipInt8B  = 0xFE
	zipImmMin = 0xF1
	zipImmMax = 0xFD
)

// ValidateZiplist checks that b is a well-formed ziplist by Redis's
// ziplistValidateIntegrity rules: with deep false the header only, with deep true
// every entry (encodings, bounds, each prevlen equal to the previous entry's size,
// zltail pointing at the last entry, the count unless it is 65535). It never
// panics.
func ValidateZiplist(b []byte, deep bool) error {
	return walkZiplist(b, deep, nil)
}

// FromZiplist converts a ziplist to a listpack holding the same elements, after
// validating it deeply. As Redis does when loading one, string entries are
// appended as strings (so canonical integers among them become integers) and
// integer entries as integers. Checks specific to a data type (pairs, duplicate
// fields) are the caller's, on the result.
func FromZiplist(b []byte) (Listpack, error) {
	lp := make(Listpack, headerSize+1, len(b)+8)
	copy(lp, empty[:])
	err := walkZiplist(b, true, func(e Entry) {
		if e.IsInt {
			lp.AppendInt(e.Int)
		} else {
			lp.Append(e.Str)
		}
	})
	if err != nil {
		return nil, err
	}
	return lp, nil
}

func walkZiplist(b []byte, deep bool, fn func(Entry)) error {
	size := len(b)
	if size < zipHeaderSize+1 {
		return corrupt("ziplist of %d bytes, shorter than header and end", size)
	}
	if n := int(le32(b)); n != size {
		return corrupt("ziplist header says %d bytes, have %d", n, size)
	}
	last := size - 1 // position of the end byte
	if b[last] != zipEnd {
		return corrupt("ziplist has no end byte")
	}
	tail := int(le32(b[4:]))
	if tail > last {
		return corrupt("ziplist tail offset %d past the end", tail)
	}
	if !deep {
		return nil
	}
	headerCount := int(b[8]) | int(b[9])<<8
	count, prevSize, prev := 0, 0, -1
	p := zipHeaderSize
	for b[p] != zipEnd {
		// prevlen
		plSize := 1
		if b[p] >= zipBigPrevlen {
			plSize = 5
		}
		if p+plSize > last {
			return corrupt("ziplist entry at %d: prevlen runs past the end", p)
		}
		prevLen := int(b[p])
		if plSize == 5 {
			prevLen = int(le32(b[p+1:]))
		}
		// encoding
		q := p + plSize
		enc := b[q]
		if enc < 0xC0 {
			enc &= 0xC0
		}
		lenSize := 1
		switch {
		case enc == zipStr14B:
			lenSize = 2
		case enc == zipStr32B:
			lenSize = 5
		case enc == zipStr06B, enc == zipInt16B, enc == zipInt32B, enc == zipInt64B,
			enc == zipInt24B, enc == zipInt8B, enc >= zipImmMin && enc <= zipImmMax:
		default:
			return corrupt("ziplist entry at %d: unknown encoding 0x%02x", p, b[q])
		}
		if q+lenSize > last {
			return corrupt("ziplist entry at %d: encoding runs past the end", p)
		}
		var dataLen int
		switch enc {
		case zipStr06B:
			dataLen = int(b[q] & 0x3F)
		case zipStr14B:
			dataLen = int(b[q]&0x3F)<<8 | int(b[q+1])
		case zipStr32B:
			dataLen = int(b[q+1])<<24 | int(b[q+2])<<16 | int(b[q+3])<<8 | int(b[q+4])
		case zipInt8B:
			dataLen = 1
		case zipInt16B:
			dataLen = 2
		case zipInt24B:
			dataLen = 3
		case zipInt32B:
			dataLen = 4
		case zipInt64B:
			dataLen = 8
		}
		data := q + lenSize
		end := data + dataLen
		if end > last {
			return corrupt("ziplist entry at %d runs past the end", p)
		}
		if p-prevLen < zipHeaderSize {
			return corrupt("ziplist entry at %d: prevlen %d points before the first entry", p, prevLen)
		}
		if prevLen != prevSize {
			return corrupt("ziplist entry at %d: prevlen %d, previous entry has %d bytes", p, prevLen, prevSize)
		}
		if fn != nil {
			fn(zipValue(b, enc, data, end))
		}
		prevSize = end - p
		prev = p
		p = end
		count++
	}
	if p != last {
		return corrupt("ziplist end byte at %d, before the end (%d)", p, last)
	}
	if prev >= 0 && prev != tail {
		return corrupt("ziplist tail offset %d, last entry at %d", tail, prev)
	}
	if headerCount != 0xFFFF && headerCount != count {
		return corrupt("ziplist header counts %d entries, found %d", headerCount, count)
	}
	return nil
}

// zipValue decodes a validated ziplist entry whose data is b[data:end].
func zipValue(b []byte, enc byte, data, end int) Entry {
	d := b[data:end:end]
	switch enc {
	case zipStr06B, zipStr14B, zipStr32B:
		return Entry{Str: d}
	case zipInt8B:
		return Entry{Int: int64(int8(d[0])), IsInt: true}
	case zipInt16B:
		return Entry{Int: int64(int16(uint16(d[0]) | uint16(d[1])<<8)), IsInt: true}
	case zipInt24B:
		return Entry{Int: int64(int32(uint32(d[0])<<8|uint32(d[1])<<16|uint32(d[2])<<24) >> 8), IsInt: true}
	case zipInt32B:
		return Entry{Int: int64(int32(le32(d))), IsInt: true}
	case zipInt64B:
		var u uint64
		for i := 7; i >= 0; i-- {
			u = u<<8 | uint64(d[i])
		}
		return Entry{Int: int64(u), IsInt: true}
	}
	return Entry{Int: int64(enc&0x0F) - 1, IsInt: true} // immediate 0..12
}
