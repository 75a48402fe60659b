package engine

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// processRSS reads /proc/self/statm through a descriptor kept open: it must
// agree with a fresh read of the file (the resident set moves a little between
// the two reads) and keep working when called again.
func TestProcessRSS(t *testing.T) {
	for i := 0; i < 3; i++ {
		got := processRSS()
		b, err := os.ReadFile("/proc/self/statm")
		if err != nil {
			t.Skip("no /proc/self/statm:", err)
		}
		pages, err := strconv.ParseUint(strings.Fields(string(b))[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		want := pages * uint64(os.Getpagesize())
		if got == 0 || got > want+want/10 || got < want-want/10 {
			t.Fatalf("processRSS() = %d, /proc/self/statm says %d", got, want)
		}
	}
}
