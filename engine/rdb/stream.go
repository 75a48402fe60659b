package rdb

// Stream values: RDB_TYPE_STREAM_LISTPACKS (5.0), _2 (7.0: first ID, max deleted
// ID, entries added, groups' entries read) and _3 (7.2: consumers' active time).

import (
	"encoding/binary"

	"github.com/keygrid/keygrid/engine/stream"
)

func idFromBytes(k []byte) stream.ID {
	return stream.ID{Ms: binary.BigEndian.Uint64(k), Seq: binary.BigEndian.Uint64(k[8:])}
}

func (r *Reader) loadID() (stream.ID, error) {
	ms, err := r.LoadPlainLen()
	if err != nil {
		return stream.ID{}, err
	}
	seq, err := r.LoadPlainLen()
	return stream.ID{Ms: ms, Seq: seq}, err
}

func (r *Reader) loadRawID() (stream.ID, error) {
	var k [16]byte
	err := r.ReadInto(k[:])
	return idFromBytes(k[:]), err
}

func readStream(r *Reader, v *Value, typ byte, opt Options) error {
	st := stream.New()
	nodes, err := r.LoadPlainLen()
	if err != nil {
		return err
	}
	for ; nodes > 0; nodes-- {
		key, err := r.LoadString()
		if err != nil {
			return err
		}
		if len(key) != 16 {
			return r.Corrupt("Stream node key entry is not the size of a stream ID")
		}
		lp, err := r.LoadString()
		if err != nil {
			return err
		}
		if err := st.AddNode(idFromBytes(key), lp, true); err != nil {
			return r.Corrupt("Stream listpack integrity check failed.")
		}
	}
	length, err := r.LoadPlainLen()
	if err != nil {
		return err
	}
	st.SetLength(length)
	if st.LastID, err = r.loadID(); err != nil {
		return err
	}
	if typ >= TypeStreamListpacks2 {
		if st.FirstID, err = r.loadID(); err != nil {
			return err
		}
		if st.MaxDeletedID, err = r.loadID(); err != nil {
			return err
		}
		if st.EntriesAdded, err = r.LoadPlainLen(); err != nil {
			return err
		}
	} else {
		// 5.0 files have none of these: derive them as Redis does.
		st.EntriesAdded = length
		st.FirstID = st.EdgeID(true, true)
	}
	if length > 0 && st.NodeCount() == 0 {
		return r.Corrupt("Stream length inconsistent with rax entries")
	}
	groups, err := r.LoadPlainLen()
	if err != nil {
		return err
	}
	for ; groups > 0; groups-- {
		name, err := r.LoadString()
		if err != nil {
			return err
		}
		last, err := r.loadID()
		if err != nil {
			return err
		}
		var entriesRead int64
		if typ >= TypeStreamListpacks2 {
			n, err := r.LoadPlainLen()
			if err != nil {
				return err
			}
			entriesRead = int64(n) // -1 (unknown) was saved as 2^64-1
		} else {
			entriesRead = st.EstimateEntriesRead(last)
		}
		g := st.CreateGroup(name, last, entriesRead)
		if g == nil {
			return r.Corrupt("Duplicated consumer group name %s", name)
		}
		pel, err := r.LoadPlainLen()
		if err != nil {
			return err
		}
		for ; pel > 0; pel-- {
			id, err := r.loadRawID()
			if err != nil {
				return err
			}
			t, err := r.LoadMillisecondTime()
			if err != nil {
				return err
			}
			count, err := r.LoadPlainLen()
			if err != nil {
				return err
			}
			if !g.LoadPending(id, t, count) {
				return r.Corrupt("Duplicated global PEL entry loading stream consumer group")
			}
		}
		consumers, err := r.LoadPlainLen()
		if err != nil {
			return err
		}
		for ; consumers > 0; consumers-- {
			cname, err := r.LoadString()
			if err != nil {
				return err
			}
			c := g.CreateConsumer(cname, 0)
			if c == nil {
				return r.Corrupt("Duplicate stream consumer detected.")
			}
			if c.SeenTime, err = r.LoadMillisecondTime(); err != nil {
				return err
			}
			if typ >= TypeStreamListpacks3 {
				// active-time (7.2): Redis 7.0 has no such field.
				if _, err := r.LoadMillisecondTime(); err != nil {
					return err
				}
			}
			cpel, err := r.LoadPlainLen()
			if err != nil {
				return err
			}
			for ; cpel > 0; cpel-- {
				id, err := r.loadRawID()
				if err != nil {
					return err
				}
				if g.Pending(id) == nil {
					return r.Corrupt("Consumer entry not found in group global PEL")
				}
				if !g.LoadConsumerPending(c, id) {
					return r.Corrupt("Duplicated consumer PEL entry  loading a stream consumer group")
				}
			}
		}
		// The engine relies on every pending entry having an owner, so this is
		// checked whatever sanitize-dump-payload says.
		if g.Orphans() {
			return r.Corrupt("Stream CG PEL entry without consumer")
		}
	}
	v.Stream = st
	return nil
}
