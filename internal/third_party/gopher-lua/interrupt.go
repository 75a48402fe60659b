package lua

import "context"

// PeriodicContext (keygrid, KEYGRID.md change 16) is a context given to
// SetContext that keeps a countdown of the instructions to run before its Done
// is called: mainLoopWithContext decrements *DoneCountdown() before every
// instruction and calls Done only once it is below 0, which takes the
// interface call and the channel select off the other instructions. Done sets
// the countdown again: to n-1 to be called again n instructions later, or
// leaves it below 0 to be called before every instruction (as once it has
// returned a closed channel, so that pcall cannot hold the error it raises). Every run of the loop on the context (a pcall's, a metamethod's, a
// coroutine's) decrements the same countdown. A context that is not a
// PeriodicContext has its Done called before every instruction, as upstream
// does (keygrid's debugger hook relies on that). A coroutine created while a
// PeriodicContext is set shares it (NewThread).
type PeriodicContext interface {
	context.Context
	DoneCountdown() *int
}
