// Multi-key commands across slots: MGET, MSET, DEL, UNLINK, EXISTS and TOUCH are split
// into one command per slot and their replies merged in key order. Not atomic across
// slots: each part succeeds or fails on its own node.

package proxy

import (
	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
)

// split queues the parts of a multi-key command.
func (s *session) split(ci *cmdInfo, argv [][]byte, raw []byte) {
	step := ci.keyStep
	if (len(argv)-1)%step != 0 {
		s.localReply([]byte("-ERR wrong number of arguments for '"+ci.name+"' command\r\n"), ci.stats)
		return
	}
	nkeys := (len(argv) - 1) / step
	first := slots.Slot(argv[1])
	same := true
	for i := 1 + step; i < len(argv); i += step {
		if slots.Slot(argv[i]) != first {
			same = false
			break
		}
	}
	if same { // the common case costs what a plain command does
		r := s.newReq()
		if s.parser.Inline {
			r.cmd = encodeArgs(r.cmd, argv)
		} else {
			r.cmd = append(r.cmd, raw...)
		}
		r.slot = first
		s.entries = append(s.entries, entry{kind: entSingle, lo: s.nreq - 1, hi: s.nreq, stats: ci.stats})
		s.dispatch(r, ci.readonly)
		return
	}
	// One part per distinct slot, in order of first appearance.
	lo := s.nreq
	klo := len(s.keySub)
	for k := range nkeys {
		slot := slots.Slot(argv[1+k*step])
		part := -1
		for j := lo; j < s.nreq; j++ {
			if s.reqs[j].slot == slot {
				part = j - lo
				break
			}
		}
		if part < 0 {
			r := s.newReq()
			r.slot = slot
			part = s.nreq - 1 - lo
		}
		s.keySub = append(s.keySub, part)
	}
	// Encode each part: the command name, then its keys (and values) in order.
	for j := lo; j < s.nreq; j++ {
		r := s.reqs[j]
		n := 0
		for k := range nkeys {
			if s.keySub[klo+k] == j-lo {
				n++
			}
		}
		r.cmd = resp.AppendArray(r.cmd, 1+n*step)
		r.cmd = resp.AppendBulk(r.cmd, argv[0])
		for k := range nkeys {
			if s.keySub[klo+k] == j-lo {
				for x := range step {
					r.cmd = resp.AppendBulk(r.cmd, argv[1+k*step+x])
				}
			}
		}
	}
	hi := s.nreq
	s.entries = append(s.entries, entry{kind: entSplit, merge: uint8(ci.merge), lo: lo, hi: hi, klo: klo, nkeys: nkeys, stats: ci.stats})
	for j := lo; j < hi; j++ {
		s.dispatch(s.reqs[j], ci.readonly)
	}
}

// merge appends the merged reply of a split command to dst.
func (s *session) merge(dst []byte, e *entry) []byte {
	parts := s.reqs[e.lo:e.hi]
	for _, r := range parts {
		if len(r.reply) > 0 && (r.reply[0] == '-' || r.reply[0] == '!') {
			return append(dst, r.reply...)
		}
	}
	switch e.merge {
	case mergeOK:
		return append(dst, "+OK\r\n"...)
	case mergeSum:
		var sum int64
		for _, r := range parts {
			n, _, _ := lineInt(r.reply, 1)
			sum += n
		}
		return resp.AppendInt(dst, sum)
	}
	// mergeArray: walk each part's elements with a cursor, taking them in key order.
	var cur [16]int
	pos := cur[:0]
	if len(parts) > len(cur) {
		pos = make([]int, 0, len(parts))
	}
	for _, r := range parts {
		_, next, _ := lineInt(r.reply, 1) // past "*N\r\n"
		pos = append(pos, next)
	}
	start := len(dst)
	dst = resp.AppendArray(dst, e.nkeys)
	for k := range e.nkeys {
		j := s.keySub[e.klo+k]
		r := parts[j].reply
		l, err := skipValue(r, pos[j], 0)
		if err != nil || l == 0 {
			return append(dst[:start], "-ERR proxy: malformed reply\r\n"...)
		}
		dst = append(dst, r[pos[j]:l]...)
		pos[j] = l
	}
	return dst
}
