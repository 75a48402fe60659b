// Package slots maps keys to Redis Cluster hash slots.
//
// Redis Cluster spec, "Keys distribution model": HASH_SLOT = CRC16(key) mod 16384,
// where CRC16 is the XMODEM variant (poly 0x1021, init 0, no reflection), and only the
// part of the key between the first '{' and the next '}' is hashed when that part is
// non-empty (hash tags). This package is pure: no I/O, no dependencies of ours.
package slots

// Count is the number of hash slots in a cluster.
const Count = 16384

var crcTable [256]uint16

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
}

// CRC16 is CRC-16/XMODEM, the checksum Redis Cluster hashes keys with.
func CRC16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^c]
	}
	return crc
}

// HashTag returns the part of key that is hashed: the bytes between the first '{' and
// the first '}' after it, when there are any; otherwise the whole key.
func HashTag(key []byte) []byte {
	for i, c := range key {
		if c == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j == i+1 { // "{}" hashes the whole key
						return key
					}
					return key[i+1 : j]
				}
			}
			return key
		}
	}
	return key
}

// Slot returns the hash slot of key.
func Slot(key []byte) int {
	return int(CRC16(HashTag(key)) & (Count - 1))
}
