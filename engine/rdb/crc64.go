package rdb

// Redis's CRC64 (crc64.c): the "Jones" polynomial 0xad93d23594c935a9, reflected,
// initial value 0 and no final xor — unlike Go's hash/crc64, which inverts the
// value on the way in and out, hence a table of our own. Slicing by 8 keeps it
// near memory speed for multi-megabyte snapshots.

import "encoding/binary"

// jonesReflected is the polynomial bit-reversed, for the reflected algorithm.
const jonesReflected = 0x95ac9329ac4bc9b5

var crcTab [8][256]uint64

func init() {
	for i := range 256 {
		c := uint64(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ jonesReflected
			} else {
				c >>= 1
			}
		}
		crcTab[0][i] = c
	}
	for i := range 256 {
		c := crcTab[0][i]
		for k := 1; k < 8; k++ {
			c = crcTab[0][c&0xff] ^ c>>8
			crcTab[k][i] = c
		}
	}
}

// CRC64 continues crc over p (start from 0), as Redis's crc64(crc, p, len).
func CRC64(crc uint64, p []byte) uint64 {
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = crcTab[7][crc&0xff] ^ crcTab[6][crc>>8&0xff] ^ crcTab[5][crc>>16&0xff] ^
			crcTab[4][crc>>24&0xff] ^ crcTab[3][crc>>32&0xff] ^ crcTab[2][crc>>40&0xff] ^
			crcTab[1][crc>>48&0xff] ^ crcTab[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = crcTab[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}
