// validate_test.go: Validate and FromZiplist on corrupt input, the fuzz targets,
// and a randomized ziplist round trip.

package listpack

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestValidateCorrupt(t *testing.T) {
	good := New()
	good.Append([]byte("hello"))
	good.AppendInt(1000)
	good.Append(bytes.Repeat([]byte("x"), 200))
	if err := Validate(good, true); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	cases := map[string][]byte{
		"empty":          {},
		"short":          {7, 0, 0, 0, 0, 0},
		"wrong total":    mod(func(b []byte) []byte { b[0]++; return b }),
		"no terminator":  mod(func(b []byte) []byte { b[len(b)-1] = 0; return b }),
		"bad encoding":   mod(func(b []byte) []byte { b[6] = 0xF5; return b }),
		"bad backlen":    mod(func(b []byte) []byte { b[12]++; return b }),
		"count mismatch": mod(func(b []byte) []byte { b[4] = 4; return b }),
		"early terminator": mod(func(b []byte) []byte {
			b[6] = 0xFF
			return b
		}),
		"string past end": mod(func(b []byte) []byte { b[6] = 0x80 | 60; return b }),
		"huge 32-bit string": func() []byte {
			b := []byte{0, 0, 0, 0, 1, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 4, 0xFF}
			setTotalBytes(b, len(b))
			return b
		}(),
		"12-bit header cut": func() []byte {
			b := []byte{0, 0, 0, 0, 1, 0, 0xE0, 0xFF}
			setTotalBytes(b, len(b))
			return b
		}(),
	}
	for name, b := range cases {
		err := Validate(b, true)
		if err == nil || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
	// A header-only check accepts entry damage.
	if err := Validate(cases["bad backlen"], false); err != nil {
		t.Errorf("shallow: %v", err)
	}
	// An unknown count (65535) is not checked.
	b := mod(func(b []byte) []byte { b[4], b[5] = 0xFF, 0xFF; return b })
	if err := Validate(b, true); err != nil || Listpack(b).Len() != 3 {
		t.Errorf("unknown count: %v", err)
	}
}

func TestValidateFunc(t *testing.T) {
	var lp Listpack
	for i := 0; i < 5; i++ {
		lp.AppendInt(int64(i))
	}
	n := 0
	stop := errors.New("stop")
	err := ValidateFunc(lp, func(e Entry) error {
		if e.Int != int64(n) {
			t.Fatalf("entry %d is %d", n, e.Int)
		}
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("err %v after %d", err, n)
	}
}

// TestValidateMutations damages valid listpacks one byte at a time and cut at
// every length: Validate must never panic, and whatever it accepts must be safe
// to read in every way.
func TestValidateMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for k := 0; k < 300; k++ {
		var lp Listpack
		for i := r.IntN(12); i >= 0; i-- {
			lp.Append(randElement(r))
		}
		if len(lp) > 3000 { // every byte of big strings adds time, not coverage
			continue
		}
		for i := 0; i < len(lp); i++ {
			checkUntrusted(t, lp[:i])
			for _, x := range []byte{0, 1, 0x7F, 0x80, 0xBF, 0xC0, 0xE0, 0xF0, 0xF4, 0xF5, 0xFF, lp[i] ^ 1, lp[i] + 1} {
				b := append([]byte(nil), lp...)
				b[i] = x
				checkUntrusted(t, b)
			}
		}
	}
}

// checkUntrusted validates b and, if accepted, exercises every accessor and a
// few mutations, which must keep it valid.
func checkUntrusted(t testing.TB, b []byte) {
	_ = Validate(b, false)
	if Validate(b, true) != nil {
		return
	}
	lp := Listpack(b)
	n := 0
	var buf []byte
	for p := lp.First(); p >= 0; p = lp.Next(p) {
		buf = lp.Get(p).AppendTo(buf[:0])
		n++
	}
	if lp.Len() != n {
		t.Fatalf("Len %d, walked %d", lp.Len(), n)
	}
	m := 0
	for p := lp.Last(); p >= 0; p = lp.Prev(p) {
		m++
	}
	if m != n {
		t.Fatalf("walked %d forward, %d backward", n, m)
	}
	for i := -n - 1; i <= n; i++ {
		lp.Seek(i)
	}
	if n > 0 {
		lp.Find(lp.First(), []byte("12"), 1)
		lp.Find(lp.First(), []byte("x"), 0)
	}
	c := lp.Clone()
	c.Append([]byte("appended"))
	if n > 0 {
		c.Replace(c.First(), []byte("replaced"))
		c.Delete(c.First(), 1)
	}
	if err := Validate(c, true); err != nil {
		t.Fatalf("mutating a valid listpack broke it: %v", err)
	}
}

func FuzzValidate(f *testing.F) {
	for _, v := range loadRedisVectors(f).Listpacks {
		if b := unhex(f, v.Listpack); len(b) < 4096 {
			f.Add(b)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 20; k++ {
		var lp Listpack
		for i := r.IntN(6); i >= 0; i-- {
			lp.Append(randElement(r))
		}
		if len(lp) < 4096 {
			f.Add([]byte(lp))
		}
	}
	f.Add([]byte(New()))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkUntrusted(t, b)
	})
}

func FuzzFromZiplist(f *testing.F) {
	for _, v := range loadRedisVectors(f).Ziplists {
		if b := unhex(f, v.Ziplist); len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add(buildZiplist([][]byte{[]byte("a"), []byte("1"), []byte("-100000"), bytes.Repeat([]byte("b"), 300)}, false))
	f.Add(buildZiplist([][]byte{[]byte("7"), []byte("x")}, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		shallow := ValidateZiplist(b, false)
		lp, err := FromZiplist(b)
		if err != nil {
			return
		}
		if shallow != nil || ValidateZiplist(b, true) != nil {
			t.Fatal("FromZiplist accepted what ValidateZiplist rejects")
		}
		if err := Validate(lp, true); err != nil {
			t.Fatalf("converted listpack invalid: %v", err)
		}
	})
}

// TestZiplistModel encodes random elements as ziplists (both prevlen forms) and
// checks the conversion's elements and bytes.
func TestZiplistModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for k := 0; k < 300; k++ {
		var els [][]byte
		for i := r.IntN(30); i > 0; i-- {
			if r.IntN(3) == 0 {
				els = append(els, []byte(strconv.FormatInt(int64(r.Uint64())>>r.IntN(64), 10)))
			} else {
				els = append(els, randElement(r))
			}
		}
		for _, big := range []bool{false, true} {
			zl := buildZiplist(els, big)
			lp, err := FromZiplist(zl)
			if err != nil {
				t.Fatalf("case %d: %v", k, err)
			}
			if !bytes.Equal(lp, canonical(els)) {
				t.Fatalf("case %d: conversion differs", k)
			}
			// Every truncation and a byte flip must be rejected or convert cleanly.
			for i := 0; i < len(zl) && i < 300; i++ {
				if _, err := FromZiplist(zl[:i]); err == nil {
					t.Fatalf("case %d: truncation to %d accepted", k, i)
				}
				b := append([]byte(nil), zl...)
				b[i] ^= byte(1 + r.IntN(255))
				if lp, err := FromZiplist(b); err == nil {
					if Validate(lp, true) != nil {
						t.Fatal("invalid conversion")
					}
				}
			}
		}
	}
	// Header checks.
	zl := buildZiplist([][]byte{[]byte("a"), []byte("b")}, false)
	for name, f := range map[string]func(b []byte){
		"tail":  func(b []byte) { b[4] = 11 },
		"count": func(b []byte) { b[8] = 3 },
		"bytes": func(b []byte) { b[0]++ },
		"end":   func(b []byte) { b[len(b)-1] = 0 },
		"tail past end": func(b []byte) {
			b[4] = 0xFF
		},
		"prevlen": func(b []byte) { b[10] = 1 },
	} {
		b := append([]byte(nil), zl...)
		f(b)
		if _, err := FromZiplist(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
	b := append([]byte(nil), zl...)
	b[8], b[9] = 0xFF, 0xFF // unknown count is accepted
	if _, err := FromZiplist(b); err != nil {
		t.Errorf("unknown count: %v", err)
	}
}

// buildZiplist encodes els the way ziplist.c does (strings of 1..31 bytes that
// are canonical integers become integers, in the smallest of its integer
// encodings); bigPrev writes every prevlen in the 5-byte form, which Redis
// leaves behind after cascading updates.
func buildZiplist(els [][]byte, bigPrev bool) []byte {
	zl := make([]byte, 10)
	prev, tail := 0, 10
	for _, e := range els {
		tail = len(zl)
		if prev < 254 && !bigPrev {
			zl = append(zl, byte(prev))
		} else {
			zl = append(zl, 0xFE, byte(prev), byte(prev>>8), byte(prev>>16), byte(prev>>24))
		}
		n, isInt := ParseInt(e)
		switch {
		case isInt && len(e) < 32 && n >= 0 && n <= 12:
			zl = append(zl, 0xF1+byte(n))
		case isInt && len(e) < 32 && n >= -128 && n <= 127:
			zl = append(zl, 0xFE, byte(n))
		case isInt && len(e) < 32 && n >= -32768 && n <= 32767:
			zl = append(zl, 0xC0, byte(n), byte(n>>8))
		case isInt && len(e) < 32 && n >= -(1<<23) && n < 1<<23:
			zl = append(zl, 0xF0, byte(n), byte(n>>8), byte(n>>16))
		case isInt && len(e) < 32 && n >= -(1<<31) && n < 1<<31:
			zl = append(zl, 0xD0, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		case isInt && len(e) < 32:
			zl = append(zl, 0xE0)
			for i := 0; i < 8; i++ {
				zl = append(zl, byte(n>>(8*i)))
			}
		default:
			l := len(e)
			switch {
			case l <= 0x3F:
				zl = append(zl, byte(l))
			case l <= 0x3FFF:
				zl = append(zl, 0x40|byte(l>>8), byte(l))
			default:
				zl = append(zl, 0x80, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
			}
			zl = append(zl, e...)
		}
		prev = len(zl) - tail
	}
	zl = append(zl, 0xFF)
	setTotalBytes(zl, len(zl))
	zl[4], zl[5], zl[6], zl[7] = byte(tail), byte(tail>>8), byte(tail>>16), byte(tail>>24)
	c := min(len(els), 0xFFFF)
	zl[8], zl[9] = byte(c), byte(c>>8)
	return zl
}
