// RESP reply parsing for tests: the parser lives in engine/resp (the client side of the
// protocol, which MIGRATE, replicas, sentinel and the proxy use too); these names keep
// tests short.

package testutil

import "github.com/keygrid/keygrid/engine/resp"

// Value is one parsed reply; see resp.Value.
type Value = resp.Value

// RESP type bytes, as they appear first on the wire.
const (
	KindSimple    = resp.KindSimple
	KindError     = resp.KindError
	KindInt       = resp.KindInt
	KindBulk      = resp.KindBulk
	KindArray     = resp.KindArray
	KindNull      = resp.KindNull
	KindDouble    = resp.KindDouble
	KindBool      = resp.KindBool
	KindBlobError = resp.KindBlobError
	KindVerbatim  = resp.KindVerbatim
	KindBigNumber = resp.KindBigNumber
	KindMap       = resp.KindMap
	KindSet       = resp.KindSet
	KindPush      = resp.KindPush
	KindAttribute = resp.KindAttribute
)

// ErrIncomplete is returned when the input ends before the reply does.
var ErrIncomplete = resp.ErrIncomplete

// ParseReply parses exactly one complete reply; see resp.ParseReply.
func ParseReply(raw []byte) (Value, error) { return resp.ParseReply(raw) }

// ParseReplyPrefix parses the first reply in b; see resp.ParseReplyPrefix.
func ParseReplyPrefix(b []byte) (Value, int, error) { return resp.ParseReplyPrefix(b) }

// AppendCommand appends args as a RESP array of bulk strings; see resp.AppendCommand.
func AppendCommand(b []byte, args ...string) []byte { return resp.AppendCommand(b, args...) }
