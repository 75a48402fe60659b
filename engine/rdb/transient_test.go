package rdb

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseDigest parses b and describes every key it hands over (the values of
// string keys in full, the kind of the others) and the outcome, copying what
// it keeps, so a transient parse can be compared with an ordinary one.
func parseDigest(b []byte, transient bool) string {
	var out strings.Builder
	h := &Handler{
		Key: func(k *Key) error {
			v := k.Value
			fmt.Fprintf(&out, "%d %q exp=%d idle=%d freq=%d off=%d kind=%d", k.DB, k.Key, k.Expire, k.Idle, k.Freq, k.Offset, v.Kind)
			if v.Kind == KindString {
				fmt.Fprintf(&out, " str=%q int=%d isint=%v", v.Str, v.Int, v.IsInt)
			}
			out.WriteByte('\n')
			return nil
		},
		EmptyKey: func(db uint64, key []byte) error {
			fmt.Fprintf(&out, "empty %d %q\n", db, key)
			return nil
		},
	}
	res, err := Parse(NewReader(bytes.NewReader(b)), h, ParseOptions{SkipChecksum: true, Transient: transient, Options: Options{CheckDups: true}})
	fmt.Fprintf(&out, "result %+v err=%v", res, err)
	if e, ok := err.(*Error); ok {
		fmt.Fprintf(&out, " doing=%s key=%q type=%d", e.Doing, e.Key, e.Type)
	}
	return out.String()
}

// transientFile writes string keys in every encoding the transient path
// reads: plain, integer-encoded keys and values, LZF-compressed ones, values
// longer than the Reader's buffer and than readChunk.
func transientFile(t testing.TB) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Compress = true
	w.WriteMagic(Version)
	w.SaveType(OpSelectDB)
	w.SaveLen(0)
	w.SaveType(OpResizeDB)
	w.SaveLen(8)
	w.SaveLen(1)
	add := func(key, val string) {
		w.SaveType(TypeString)
		w.SaveString([]byte(key))
		w.SaveString([]byte(val))
	}
	add("key:000000000001", "xxx")
	add("12345", "-7")            // integer-encoded key and value
	add("-2147483648", "1000000") // int32 bounds
	add(strings.Repeat("k", 300), strings.Repeat("abc", 5000))
	add("big", strings.Repeat("0123456789abcdef", 5000)) // > buffer, compressed
	big := make([]byte, 3<<20)                           // > readChunk, incompressible
	for i := range big {
		big[i] = byte(i*7919>>3 ^ i)
	}
	add("huge", string(big))
	w.SaveType(OpExpireTimeMs)
	w.SaveMillisecondTime(1 << 41)
	add("", "")
	if err := w.WriteFooter(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A transient parse hands the handler exactly what an ordinary one does, for
// files written here and by Redis, whole or cut short.
func TestParseTransientSame(t *testing.T) {
	inputs := map[string][]byte{"generated": transientFile(t)}
	files, _ := filepath.Glob("testdata/*.rdb")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = b
	}
	for name, b := range inputs {
		want := parseDigest(b, false)
		if !strings.Contains(want, "err=<nil>") && !strings.Contains(name, "corrupt") {
			t.Errorf("%s: %s", name, want[strings.LastIndex(want, "result"):])
		}
		if got := parseDigest(b, true); got != want {
			t.Errorf("%s: transient parse differs:\n%s\nwant\n%s", name, got, want)
		}
		for _, cut := range []int{len(b) / 3, len(b) / 2, len(b) - 9} {
			if cut <= 0 {
				continue
			}
			if got, want := parseDigest(b[:cut], true), parseDigest(b[:cut], false); got != want {
				t.Errorf("%s cut at %d: transient parse differs:\n%s\nwant\n%s", name, cut, got, want)
			}
		}
	}
}

// The generated file's keys really take the paths under test.
func TestTransientFileShape(t *testing.T) {
	d := parseDigest(transientFile(t), true)
	for _, want := range []string{`"12345"`, `isint=true`, `int=-7`, `"-2147483648"`, `"big"`, `"huge"`, `"" exp=2199023255552`, "err=<nil>"} {
		if !strings.Contains(d, want) {
			t.Errorf("digest lacks %s:\n%.2000s", want, d)
		}
	}
}

// InputSize knows a bytes.Reader's and a regular file's size, nothing else's.
func TestInputSize(t *testing.T) {
	if n := NewReader(bytes.NewReader(make([]byte, 123))).InputSize(); n != 123 {
		t.Errorf("bytes.Reader: %d", n)
	}
	name := filepath.Join(t.TempDir(), "f.rdb")
	if err := os.WriteFile(name, make([]byte, 77), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := NewReader(f).InputSize(); n != 77 {
		t.Errorf("file: %d", n)
	}
	if n := NewReader(strings.NewReader("abc")).InputSize(); n != 3 {
		t.Errorf("strings.Reader: %d", n)
	}
	if n := NewReader(bytes.NewBufferString("abc")).InputSize(); n != -1 {
		t.Errorf("bytes.Buffer: %d", n)
	}
}

// FuzzParseTransient: on any input, a transient parse and an ordinary one
// agree on every key and on the outcome.
func FuzzParseTransient(f *testing.F) {
	f.Add(transientFile(f))
	files, _ := filepath.Glob("testdata/*.rdb")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := parseDigest(b, true), parseDigest(b, false); got != want {
			t.Fatalf("transient parse differs:\n%s\nwant\n%s", got, want)
		}
	})
}
