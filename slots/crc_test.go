package slots

import (
	"math/rand/v2"
	"testing"
)

// crc16Bytewise is the textbook byte-at-a-time CRC-16/XMODEM, the reference CRC16's
// two-byte steps must agree with.
func crc16Bytewise(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^c]
	}
	return crc
}

func TestCRC16TwoBytesAtATime(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("CRC16(123456789) = %#x, want 0x31c3 (the Redis Cluster spec's check value)", got)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 300)
	for i := 0; i < 100000; i++ {
		n := rng.IntN(len(buf) + 1)
		for j := range n {
			buf[j] = byte(rng.Uint32())
		}
		if got, want := CRC16(buf[:n]), crc16Bytewise(buf[:n]); got != want {
			t.Fatalf("CRC16 of %x = %#x, byte at a time %#x", buf[:n], got, want)
		}
	}
}

// BenchmarkSlot is the slot of a redis-benchmark key (key:%012d), what every keyed
// command costs a cluster node and the proxy.
func BenchmarkSlot(b *testing.B) {
	key := []byte("key:000000012345")
	for b.Loop() {
		Slot(key)
	}
}

func BenchmarkSlotBytewise(b *testing.B) {
	key := []byte("key:000000012345")
	for b.Loop() {
		crc16Bytewise(HashTag(key))
	}
}

// hashTagLoop is the hash-tag rule spelled out byte by byte, as the cluster spec states
// it: the reference for HashTag.
func hashTagLoop(key []byte) []byte {
	for i, c := range key {
		if c == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j == i+1 {
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

func TestHashTagAgainstTheRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("{}a")
	buf := make([]byte, 12)
	for i := 0; i < 200000; i++ {
		n := rng.IntN(len(buf) + 1)
		for j := range n {
			buf[j] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := HashTag(buf[:n]), hashTagLoop(buf[:n]); string(got) != string(want) {
			t.Fatalf("HashTag(%q) = %q, want %q", buf[:n], got, want)
		}
	}
}
