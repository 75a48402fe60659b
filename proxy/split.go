// Multi-key commands across slots: MGET, MSET, DEL, UNLINK, EXISTS and TOUCH are split
// into one command per slot and their replies merged in key order. Not atomic across
// slots: each part succeeds or fails on its own node.

package proxy

import (
	"bytes"

	"github.com/keygrid/keygrid/engine/resp"
	"github.com/keygrid/keygrid/slots"
)

// split queues the parts of a multi-key command: one part per distinct slot, chained
// from the head, in order of first appearance.
func (s *session) split(ci *cmdInfo, argv [][]byte, raw []byte) {
	step := ci.keyStep
	if (len(argv)-1)%step != 0 {
		s.localReply([]byte("-ERR wrong number of arguments for '"+ci.name+"' command\r\n"), ci.stats)
		return
	}
	nkeys := (len(argv) - 1) / step
	// Each key's slot, hashed once for the same-slot test and the split.
	ks := s.keySlots[:0]
	same := true
	for i := 1; i < len(argv); i += step {
		ks = append(ks, slots.Slot(argv[i]))
		same = same && ks[len(ks)-1] == ks[0]
	}
	s.keySlots = ks
	first := ks[0]
	h := s.newHead(ci.stats)
	if same { // the common case costs what a plain command does
		s.encode(h, argv, raw)
		h.slot = first
		s.dispatch(h, ci.readonly)
		return
	}
	h.kind, h.merge, h.nkeys, h.slot = entSplit, uint8(ci.merge), nkeys, first
	// Each key's part, found in a compact slice of the parts' slots rather than by
	// walking the chain (the pooled requests are likely out of cache), and past a few
	// parts in a map (an MGET of thousands of keys would otherwise cost keys × parts).
	// parts lists the chain: s.merged is free outside merge.
	ps, pk := append(s.partSlot[:0], first), append(s.partKeys[:0], 0)
	parts := append(s.merged[:0], h)
	var index map[int]int
	for k := range nkeys {
		slot := ks[k]
		part := 0
		if index != nil {
			var ok bool
			if part, ok = index[slot]; !ok {
				part = len(ps)
			}
		} else {
			for part < len(ps) && ps[part] != slot {
				part++
			}
		}
		if part == len(ps) {
			ps, pk = append(ps, slot), append(pk, 0)
			r := s.p.getReq()
			r.s, r.head, r.slot = s, h, slot
			parts[len(parts)-1].next = r
			parts = append(parts, r)
			if index != nil {
				index[slot] = part
			} else if len(ps) > 16 {
				if s.partIndex == nil {
					s.partIndex = map[int]int{}
				}
				index = s.partIndex
				for i, sl := range ps {
					index[sl] = i
				}
			}
		}
		pk[part]++
		h.keySub = append(h.keySub, part)
	}
	if index != nil {
		clear(index)
		if len(ps) > 4096 { // do not keep a huge table for one huge MGET
			s.partIndex = nil
		}
	}
	s.partSlot, s.partKeys = ps, pk
	h.nparts, h.pending = len(ps), len(ps)
	// Encode each part: the command name, then its keys (and values) in order, copied
	// as the client encoded them when it sent a multibulk (no lengths to format).
	var ends []int
	if !s.parser.Inline {
		if ends = argEnds(raw, argv, s.argEnds[:0]); ends != nil {
			s.argEnds = ends
		}
	}
	// One pass over the keys appends each to its part, after the parts' headers.
	for i, r := range parts {
		r.cmd = resp.AppendArray(r.cmd[:0], 1+pk[i]*step)
		if ends != nil {
			r.cmd = append(r.cmd, raw[ends[0]:ends[1]]...)
		} else {
			r.cmd = resp.AppendBulk(r.cmd, argv[0])
		}
	}
	for k, j := range h.keySub {
		r := parts[j]
		if ends != nil {
			r.cmd = append(r.cmd, raw[ends[1+k*step]:ends[1+(k+1)*step]]...)
		} else {
			for x := range step {
				r.cmd = resp.AppendBulk(r.cmd, argv[1+k*step+x])
			}
		}
	}
	clear(parts)
	s.merged = parts[:0]
	for r := h; r != nil; {
		next := r.next // dispatch may answer r at once (no node serves its slot)
		s.dispatch(r, ci.readonly)
		r = next
	}
}

// argEnds returns, for the multibulk raw parsed into argv, where each argument's
// encoding starts: argument i is raw[ends[i]:ends[i+1]]. The parser takes only
// canonical lengths (no sign, no leading zero, as Redis's string2ll), so each one is
// "$", the digits of len(argv[i]), two bytes, the argument, two bytes.
func argEnds(raw []byte, argv [][]byte, ends []int) []int {
	pos := bytes.IndexByte(raw, '\r') + 2 // past "*N\r\n"
	ends = append(ends, pos)
	for _, a := range argv {
		pos += 1 + decimalLen(len(a)) + 2 + len(a) + 2
		ends = append(ends, pos)
	}
	if pos != len(raw) { // cannot be; re-encoding is always right
		return nil
	}
	return ends
}

func decimalLen(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// merge appends the merged reply of a split command to dst. Each part's reply is
// h.reply[r.rbeg:r.rend] (see Proxy.deliver).
func (s *session) merge(dst []byte, h *request) []byte {
	parts := s.merged[:0]
	for r := h; r != nil; r = r.next {
		parts = append(parts, r)
	}
	s.merged = parts
	defer clear(parts)
	all := h.reply
	for _, r := range parts {
		if rep := all[r.rbeg:r.rend]; len(rep) > 0 && (rep[0] == '-' || rep[0] == '!') {
			return append(dst, rep...)
		}
	}
	switch h.merge {
	case mergeOK:
		return append(dst, "+OK\r\n"...)
	case mergeSum:
		var sum int64
		for _, r := range parts {
			n, _, _ := lineInt(all[:r.rend], r.rbeg+1)
			sum += n
		}
		return resp.AppendInt(dst, sum)
	}
	// mergeArray: walk each part's elements with a cursor into the shared buffer,
	// taking them in key order.
	var cur [16]int
	pos := cur[:0]
	if len(parts) > len(cur) {
		pos = make([]int, 0, len(parts))
	}
	for _, r := range parts {
		_, next, _ := lineInt(all[:r.rend], r.rbeg+1) // past "*N\r\n"
		pos = append(pos, next)
	}
	start := len(dst)
	dst = resp.AppendArray(dst, h.nkeys)
	for _, j := range h.keySub {
		end := parts[j].rend
		l, err := skipValue(all[:end], pos[j], 0)
		if err != nil || l == 0 {
			return append(dst[:start], "-ERR proxy: malformed reply\r\n"...)
		}
		dst = append(dst, all[pos[j]:l]...)
		pos[j] = l
	}
	return dst
}
