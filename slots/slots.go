// Package slots maps keys to Redis Cluster hash slots.
//
// Redis Cluster spec, "Keys distribution model": HASH_SLOT = CRC16(key) mod 16384,
// where CRC16 is the XMODEM variant (poly 0x1021, init 0, no reflection), and only the
// part of the key between the first '{' and the next '}' is hashed when that part is
// non-empty (hash tags). This package is pure: no I/O, no dependencies of ours.
package slots

import "bytes"

// Count is the number of hash slots in a cluster.
const Count = 16384

// crcTable is the usual byte-at-a-time table; crcTable2 advances the CRC over two bytes
// at once (slicing by two): crcTable2[x] is what a byte x leaves after passing through
// two table steps. The table is linear (T[a^b] = T[a]^T[b]), so for a CRC h<<8|l and the
// bytes b0, b1 the two steps come to crcTable2[h^b0] ^ crcTable[l^b1]: two lookups that
// do not wait for each other, where the byte loop chains every lookup on the one before.
var crcTable, crcTable2 [256]uint16

func init() {
	for i := 0; i < 256; i++ {
		crc := uint16(i) << 8
		for j := 0; j < 8; j++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		crcTable[i] = crc
	}
	for i, t := range crcTable {
		crcTable2[i] = t<<8 ^ crcTable[t>>8]
	}
}

// CRC16 is CRC-16/XMODEM, the checksum Redis Cluster hashes keys with.
func CRC16(b []byte) uint16 {
	var crc uint16
	for len(b) >= 2 {
		crc = crcTable2[byte(crc>>8)^b[0]] ^ crcTable[byte(crc)^b[1]]
		b = b[2:]
	}
	if len(b) == 1 {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^b[0]]
	}
	return crc
}

// HashTag returns the part of key that is hashed: the bytes between the first '{' and
// the first '}' after it, when there are any; otherwise the whole key.
func HashTag(key []byte) []byte {
	i := bytes.IndexByte(key, '{')
	if i < 0 {
		return key
	}
	j := bytes.IndexByte(key[i+1:], '}')
	if j <= 0 { // no '}', or "{}": the whole key is hashed
		return key
	}
	return key[i+1 : i+1+j]
}

// Slot returns the hash slot of key.
func Slot(key []byte) int {
	return int(CRC16(HashTag(key)) & (Count - 1))
}
