// snapshot.go: a point-in-time view of a list's nodes for a snapshot that writes
// them in slices while the list keeps changing (engine/snapshot_big.go).
//
// SnapNodes returns the nodes as they are (their headers copied, O(nodes)) and
// marks each node shared: every change to a node's bytes goes through open, which
// gives a shared node a private copy first, so the bytes the snapshot holds are
// never written again (copy-on-write at node granularity). Nodes removed later
// simply stay alive until the snapshot drops them.

package quicklist

// SnapNodes returns the nodes from head to tail, each frozen until EndSnap: the
// list copies a node before it first changes it.
func (ql *Quicklist) SnapNodes() []Node {
	out := make([]Node, 0, ql.NodeCount())
	for i := ql.lo; i < ql.hi; i++ {
		n := &ql.back[i]
		n.shared = true
		out = append(out, n.export())
	}
	return out
}

// EndSnap clears the shared marks SnapNodes left on the nodes still in the list,
// once the snapshot holds none of their bytes any more.
func (ql *Quicklist) EndSnap() {
	for i := ql.lo; i < ql.hi; i++ {
		ql.back[i].shared = false
	}
}
