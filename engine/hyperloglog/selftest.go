package hyperloglog

import (
	"encoding/binary"
	"fmt"
	"math"
)

// SelfTest is PFSELFTEST: it checks that the 6-bit registers read back what was
// written without disturbing their neighbours, then adds ten million distinct
// elements to a dense and a sparse HLL side by side, checking at 1, 10, 100, ...
// that small sketches stay sparse, that both encodings estimate the same, and that
// the error stays within six standard errors. rnd supplies random numbers (Redis
// uses rand()). The error, if any, is the reply Redis gives ("TESTFAILED ...").
func SelfTest(rnd func() uint64, maxSparse int64) error {
	dense := make([]byte, DenseSize)
	regs := dense[HeaderSize:]
	var want [Registers]uint8

	// Test 1: register access.
	for cycle := 0; cycle < 1000; cycle++ {
		for i := range want {
			r := uint8(rnd() & RegisterMax)
			want[i] = r
			setReg(regs, i, r)
		}
		for i := range want {
			if v := getReg(regs, i); v != want[i] {
				return fmt.Errorf("TESTFAILED Register %d should be %d but is %d", i, want[i], v)
			}
		}
	}

	// Test 2: approximation error, dense and sparse together.
	clear(regs)
	copy(dense, "HYLL")
	sparse := New()
	relerr := 1.04 / math.Sqrt(Registers)
	checkpoint := int64(1)
	seed := rnd()
	var ele [8]byte
	for j := int64(1); j <= 10000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := PatLen(ele[:])
		denseSet(regs, index, count)
		sparse, _ = Set(sparse, index, count, maxSparse)
		if j != checkpoint {
			continue
		}
		if j < maxSparse/2 && sparse[encPos] != Sparse {
			return fmt.Errorf("TESTFAILED sparse encoding not used")
		}
		dc, _ := Count(dense)
		sc, _ := Count(sparse)
		if dc != sc {
			return fmt.Errorf("TESTFAILED dense/sparse disagree")
		}
		abserr := checkpoint - int64(dc)
		maxerr := uint64(math.Ceil(relerr * 6 * float64(checkpoint)))
		// Collisions make a large relative error at 10 likely enough to matter.
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > int64(maxerr) {
			return fmt.Errorf("TESTFAILED Too big error. card:%d abserr:%d", checkpoint, abserr)
		}
		checkpoint *= 10
	}
	return nil
}
