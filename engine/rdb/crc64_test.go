package rdb

import "testing"

// crc64.c's self test: crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
func TestCRC64CheckValue(t *testing.T) {
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %#x", got)
	}
	// Slicing by 8 and byte at a time agree whatever the split.
	msg := []byte("This is a test of the emergency broadcast system. 0123456789abcdef")
	whole := CRC64(0, msg)
	for i := range msg {
		if got := CRC64(CRC64(0, msg[:i]), msg[i:]); got != whole {
			t.Fatalf("split at %d: %#x != %#x", i, got, whole)
		}
	}
}
