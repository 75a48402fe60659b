package slots

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// NodeFlags are a cluster node's flags, as CLUSTER NODES names them.
type NodeFlags uint16

const (
	FlagMyself     NodeFlags = 1 << iota // myself
	FlagMaster                           // master
	FlagReplica                          // slave
	FlagPFail                            // fail?: this node's own suspicion
	FlagFail                             // fail: agreed by a majority of masters
	FlagHandshake                        // handshake: met, identity not yet confirmed
	FlagNoAddr                           // noaddr: address unknown
	FlagNoFailover                       // nofailover: a replica that never promotes itself
)

// flagNames is in Redis's order of representation (representClusterNodeFlags).
var flagNames = []struct {
	f    NodeFlags
	name string
}{
	{FlagMyself, "myself"}, {FlagMaster, "master"}, {FlagReplica, "slave"}, {FlagPFail, "fail?"},
	{FlagFail, "fail"}, {FlagHandshake, "handshake"}, {FlagNoAddr, "noaddr"}, {FlagNoFailover, "nofailover"},
}

// String returns the flags as Redis lists them: "myself,master", or "noflags".
func (f NodeFlags) String() string { return string(f.appendTo(nil)) }

func (f NodeFlags) appendTo(dst []byte) []byte {
	n := len(dst)
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			if len(dst) > n {
				dst = append(dst, ',')
			}
			dst = append(dst, fn.name...)
		}
	}
	if len(dst) == n {
		dst = append(dst, "noflags"...)
	}
	return dst
}

// IDLen is the length of a node id: 40 hex digits (160 random bits), as in Redis.
const IDLen = 40

// NewID returns a fresh random node id.
func NewID() string {
	var b [IDLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("slots: no randomness for a node id: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id looks like a node id (40 lowercase hex digits).
func ValidID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Node is what a node knows of one cluster member (itself included).
type Node struct {
	ID          string
	IP          string
	Port        int // client port (the TLS port in a TLS cluster)
	PPort       int // plaintext client port in a TLS cluster, else 0 (not in nodes.conf)
	CPort       int // cluster bus port
	Hostname    string
	Flags       NodeFlags
	MasterID    string // for replicas; "" for masters
	PingSent    int64  // unix ms of the ping awaiting its pong, 0 if none
	PongRecv    int64  // unix ms of the last pong
	ConfigEpoch uint64
	Connected   bool // the bus link is up (always true for myself in CLUSTER NODES)
	Slots       Bitmap
	// namedMaster is the master id a replica last announced, known here or
	// not: MasterID is set to it once that node is known (ApplyMeta). Not
	// in nodes.conf (Redis's file has the slaveof it knows, or "-").
	namedMaster string
}

// IsMaster and IsReplica test the role flags.
func (n *Node) IsMaster() bool  { return n.Flags&FlagMaster != 0 }
func (n *Node) IsReplica() bool { return n.Flags&FlagReplica != 0 }

// Addr returns "ip:port@cport", with ",hostname" when the node announces one: the
// address field of CLUSTER NODES and nodes.conf.
func (n *Node) Addr() string { return n.addr(false) }

// addr is Addr with the plaintext port in place of the TLS one when usePPort is
// set and the node has one (Redis's clusterGenNodeDescription use_pport).
func (n *Node) addr(usePPort bool) string { return string(n.appendAddr(nil, usePPort)) }

func (n *Node) appendAddr(dst []byte, usePPort bool) []byte {
	port := n.Port
	if usePPort && n.PPort != 0 {
		port = n.PPort
	}
	dst = append(dst, n.IP...)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(port), 10)
	dst = append(dst, '@')
	dst = strconv.AppendInt(dst, int64(n.CPort), 10)
	if n.Hostname != "" {
		dst = append(dst, ',')
		dst = append(dst, n.Hostname...)
	}
	return dst
}

// State is one node's view of the cluster: every known node, which node owns each
// slot, and this node's migrations. It is plain data: the engine's loop owns it and
// the gossip layer feeds it; nothing here does I/O.
type State struct {
	Myself        *Node
	Nodes         map[string]*Node
	Owner         [Count]*Node
	Migrating     [Count]*Node // slots of myself moving to that node
	Importing     [Count]*Node // slots moving to myself from that node
	CurrentEpoch  uint64
	LastVoteEpoch uint64
}

// NewState returns the state of a fresh node: itself alone, a master with no slots
// and epoch 0, as a Redis cluster node starts.
func NewState(id string) *State {
	me := &Node{ID: id, Flags: FlagMyself | FlagMaster, Connected: true}
	return &State{Myself: me, Nodes: map[string]*Node{id: me}}
}

// Node returns the node with id, or nil.
func (st *State) Node(id string) *Node { return st.Nodes[id] }

// AddNode adds n (replacing a node with the same id).
func (st *State) AddNode(n *Node) { st.Nodes[n.ID] = n }

// SetOwner makes n the owner of slot (nil: unassigned), keeping the nodes' bitmaps
// in step.
func (st *State) SetOwner(slot int, n *Node) {
	if old := st.Owner[slot]; old != nil {
		old.Slots.Clear(slot)
	}
	st.Owner[slot] = n
	if n != nil {
		n.Slots.Set(slot)
	}
}

// DelNode removes n and everything that refers to it: its slots become unassigned,
// migrations to or from it are cancelled, its replicas lose their master.
func (st *State) DelNode(n *Node) {
	for s := 0; s < Count; s++ {
		if st.Owner[s] == n {
			st.Owner[s] = nil
		}
		if st.Migrating[s] == n {
			st.Migrating[s] = nil
		}
		if st.Importing[s] == n {
			st.Importing[s] = nil
		}
	}
	for _, o := range st.Nodes {
		if o.MasterID == n.ID {
			o.MasterID = ""
		}
	}
	delete(st.Nodes, n.ID)
}

// Replicas returns the replicas of master m, ordered by id.
func (st *State) Replicas(m *Node) []*Node {
	var out []*Node
	for _, n := range st.Nodes {
		if n.MasterID == m.ID && n.IsReplica() {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Sorted returns the nodes ordered by id (Redis lists them in hash-table order; a
// stable order makes files and tests reproducible).
func (st *State) Sorted() []*Node {
	out := make([]*Node, 0, len(st.Nodes))
	for _, n := range st.Nodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// MaxEpoch returns the greatest config epoch known, or the current epoch if greater
// (Redis's clusterGetMaxEpoch).
func (st *State) MaxEpoch() uint64 {
	max := st.CurrentEpoch
	for _, n := range st.Nodes {
		if n.ConfigEpoch > max {
			max = n.ConfigEpoch
		}
	}
	return max
}

// Covered reports whether every slot has an owner that is not failed: the condition
// of cluster_state:ok with cluster-require-full-coverage yes.
func (st *State) Covered() bool {
	for _, n := range st.Owner {
		if n == nil || n.Flags&FlagFail != 0 {
			return false
		}
	}
	return true
}

// Describe returns n's line of CLUSTER NODES (and of nodes.conf), without the
// newline: id, address, flags, master, ping-sent, pong-recv, config-epoch,
// link-state, slot ranges, and for myself the slots it is migrating
// ("[slot->-id]") and importing ("[slot-<-id]").
func (st *State) Describe(n *Node) string { return st.DescribeFor(n, false) }

// DescribeFor is Describe for a client: usePPort (a plaintext client of a TLS
// cluster) shows the nodes' plaintext ports.
func (st *State) DescribeFor(n *Node, usePPort bool) string {
	return string(st.appendDescribe(nil, n, usePPort))
}

// appendDescribe appends DescribeFor's line. nodes.conf is written on every
// change of the cluster's configuration (each CLUSTER SETSLOT of a resharding):
// it appends to one buffer instead of building strings.
func (st *State) appendDescribe(b []byte, n *Node, usePPort bool) []byte {
	b = append(b, n.ID...)
	b = append(b, ' ')
	b = n.appendAddr(b, usePPort)
	b = append(b, ' ')
	b = n.Flags.appendTo(b)
	b = append(b, ' ')
	if n.MasterID != "" {
		b = append(b, n.MasterID...)
	} else {
		b = append(b, '-')
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, n.PingSent, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, n.PongRecv, 10)
	b = append(b, ' ')
	// A replica shows its master's config epoch, as Redis's
	// clusterGenNodeDescription does: redis-cli reads it as the node's
	// "current_epoch" (--cluster backup's nodes.json).
	epoch := n.ConfigEpoch
	if m := st.Nodes[n.MasterID]; m != nil && n.IsReplica() {
		epoch = m.ConfigEpoch
	}
	b = strconv.AppendUint(b, epoch, 10)
	if n.Connected || n.Flags&FlagMyself != 0 {
		b = append(b, " connected"...)
	} else {
		b = append(b, " disconnected"...)
	}
	b = n.Slots.appendRanges(b)
	if n == st.Myself {
		for s := 0; s < Count; s++ {
			if t := st.Migrating[s]; t != nil {
				b = append(b, " ["...)
				b = strconv.AppendInt(b, int64(s), 10)
				b = append(b, "->-"...)
				b = append(b, t.ID...)
				b = append(b, ']')
			} else if f := st.Importing[s]; f != nil {
				b = append(b, " ["...)
				b = strconv.AppendInt(b, int64(s), 10)
				b = append(b, "-<-"...)
				b = append(b, f.ID...)
				b = append(b, ']')
			}
		}
	}
	return b
}

// NodesText returns CLUSTER NODES: one line per node, each ending in "\n".
// withHandshake false leaves out nodes in handshake, as nodes.conf does.
func (st *State) NodesText(withHandshake bool) string { return st.NodesTextFor(withHandshake, false) }

// NodesTextFor is NodesText with DescribeFor's usePPort.
func (st *State) NodesTextFor(withHandshake, usePPort bool) string {
	return string(st.appendNodes(nil, withHandshake, usePPort))
}

func (st *State) appendNodes(b []byte, withHandshake, usePPort bool) []byte {
	for _, n := range st.Sorted() {
		if !withHandshake && n.Flags&FlagHandshake != 0 {
			continue
		}
		b = st.appendDescribe(b, n, usePPort)
		b = append(b, '\n')
	}
	return b
}

// ConfigFile returns the contents of nodes.conf: the nodes without those in
// handshake, then the "vars" line with currentEpoch and lastVoteEpoch.
func (st *State) ConfigFile() []byte { return st.AppendConfigFile(nil) }

// AppendConfigFile appends ConfigFile's contents to b, so that a caller saving on
// every change can reuse one buffer.
func (st *State) AppendConfigFile(b []byte) []byte {
	b = st.appendNodes(b, false, false)
	b = append(b, "vars currentEpoch "...)
	b = strconv.AppendUint(b, st.CurrentEpoch, 10)
	b = append(b, " lastVoteEpoch "...)
	b = strconv.AppendUint(b, st.LastVoteEpoch, 10)
	return append(b, '\n')
}

// ErrCorrupt is the error of an unreadable nodes.conf; the message is Redis's.
var ErrCorrupt = errors.New("Unrecoverable error: corrupted cluster config file")

// ParseConfig reads a nodes.conf (Redis's or keygrid's, the same format). now is the
// time in unix ms: as Redis, a non-zero ping-sent or pong-recv in the file becomes
// now, since the file's times mean nothing to a restarted process. Errors wrap
// ErrCorrupt and name the line.
func ParseConfig(data []byte, now int64) (*State, error) {
	st := &State{Nodes: map[string]*Node{}}
	get := func(id string) *Node {
		n := st.Nodes[id]
		if n == nil {
			n = &Node{ID: id}
			st.Nodes[id] = n
		}
		return n
	}
	bad := func(line int, why string) error {
		return fmt.Errorf("%w (line %d: %s)", ErrCorrupt, line, why)
	}
	for i, line := range strings.Split(string(data), "\n") {
		ln := i + 1
		f := strings.Fields(line)
		if len(f) == 0 {
			continue // blank lines: padding of an interrupted rewrite
		}
		if strings.EqualFold(f[0], "vars") {
			for j := 1; j+1 < len(f); j += 2 {
				v, err := strconv.ParseUint(f[j+1], 10, 64)
				if err != nil {
					return nil, bad(ln, "bad "+f[j])
				}
				switch strings.ToLower(f[j]) {
				case "currentepoch":
					st.CurrentEpoch = v
				case "lastvoteepoch":
					st.LastVoteEpoch = v
				}
			}
			continue
		}
		if len(f) < 8 {
			return nil, bad(ln, "fewer than 8 fields")
		}
		if !ValidID(f[0]) {
			return nil, bad(ln, "bad node id")
		}
		n := get(f[0])
		if err := parseAddr(n, f[1]); err != nil {
			return nil, bad(ln, err.Error())
		}
		for _, fl := range strings.Split(f[2], ",") {
			switch strings.ToLower(fl) {
			case "myself":
				if st.Myself != nil && st.Myself != n {
					return nil, bad(ln, "two nodes flagged myself")
				}
				st.Myself = n
				n.Flags |= FlagMyself
			case "master":
				n.Flags |= FlagMaster
			case "slave":
				n.Flags |= FlagReplica
			case "fail?":
				n.Flags |= FlagPFail
			case "fail":
				n.Flags |= FlagFail
			case "handshake":
				n.Flags |= FlagHandshake
			case "noaddr":
				n.Flags |= FlagNoAddr
			case "nofailover":
				n.Flags |= FlagNoFailover
			case "noflags":
			default:
				return nil, bad(ln, "unknown flag "+fl)
			}
		}
		if f[3] != "-" {
			if !ValidID(f[3]) {
				return nil, bad(ln, "bad master id")
			}
			get(f[3])
			n.MasterID = f[3]
		}
		if f[4] != "0" {
			n.PingSent = now
		}
		if f[5] != "0" {
			n.PongRecv = now
		}
		ep, err := strconv.ParseUint(f[6], 10, 64)
		if err != nil {
			return nil, bad(ln, "bad config epoch")
		}
		n.ConfigEpoch = ep
		for _, a := range f[8:] {
			if strings.HasPrefix(a, "[") {
				if err := parseMigration(st, get, a); err != nil {
					return nil, bad(ln, err.Error())
				}
				continue
			}
			lo, hi, err := parseRange(a)
			if err != nil {
				return nil, bad(ln, err.Error())
			}
			for s := lo; s <= hi; s++ {
				st.SetOwner(s, n)
			}
		}
	}
	if st.Myself == nil {
		return nil, bad(0, "no node flagged myself")
	}
	st.Myself.Connected = true
	// Protection against hand edits, as Redis: the current epoch is never below a
	// config epoch it knows.
	if m := st.MaxEpoch(); m > st.CurrentEpoch {
		st.CurrentEpoch = m
	}
	return st, nil
}

// parseAddr reads "ip:port@cport[,hostname]"; without "@cport" (files of Redis
// before 4.0) the bus port is port+10000.
func parseAddr(n *Node, a string) error {
	if i := strings.IndexByte(a, ','); i >= 0 {
		n.Hostname = a[i+1:]
		a = a[:i]
	}
	cport := -1
	if i := strings.IndexByte(a, '@'); i >= 0 {
		c, err := strconv.Atoi(a[i+1:])
		if err != nil || c < 0 || c > 65535 {
			return errors.New("bad bus port")
		}
		cport, a = c, a[:i]
	}
	i := strings.LastIndexByte(a, ':')
	if i < 0 {
		return errors.New("address without port")
	}
	p, err := strconv.Atoi(a[i+1:])
	if err != nil || p < 0 || p > 65535 {
		return errors.New("bad port")
	}
	n.IP, n.Port = a[:i], p
	if cport < 0 {
		cport = p + 10000
	}
	n.CPort = cport
	return nil
}

func parseRange(a string) (lo, hi int, err error) {
	l, h, isRange := strings.Cut(a, "-")
	if lo, err = strconv.Atoi(l); err != nil {
		return 0, 0, errors.New("bad slot " + a)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(h); err != nil {
			return 0, 0, errors.New("bad slot range " + a)
		}
	}
	if lo < 0 || hi >= Count || lo > hi {
		return 0, 0, errors.New("slot out of range " + a)
	}
	return lo, hi, nil
}

// parseMigration reads "[slot->-id]" (migrating to id) or "[slot-<-id]" (importing
// from id).
func parseMigration(st *State, get func(string) *Node, a string) error {
	body, ok := strings.CutSuffix(a[1:], "]")
	if !ok {
		return errors.New("bad migration " + a)
	}
	slotStr, rest, ok := strings.Cut(body, "-")
	if !ok || len(rest) < 2 {
		return errors.New("bad migration " + a)
	}
	slot, err := strconv.Atoi(slotStr)
	if err != nil || slot < 0 || slot >= Count {
		return errors.New("bad migration slot " + a)
	}
	dir, id := rest[:2], rest[2:]
	if !ValidID(id) {
		return errors.New("bad migration node " + a)
	}
	switch dir {
	case ">-":
		st.Migrating[slot] = get(id)
	case "<-":
		st.Importing[slot] = get(id)
	default:
		return errors.New("bad migration direction " + a)
	}
	return nil
}
