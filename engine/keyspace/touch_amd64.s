#include "textflag.h"

// func touch(addr unsafe.Pointer)
TEXT ·touch(SB), NOSPLIT, $0-8
	MOVQ addr+0(FP), AX
	PREFETCHT0 (AX)
	RET
