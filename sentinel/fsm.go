// The raft state machine: what every sentinel agrees on. Only the outcome of
// decisions lives here (epochs, who is master, which replicas it has); monitoring
// state (SDOWN, link times) is local to each sentinel and never replicated.

package sentinel

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/hashicorp/raft"
)

// Log entry operations.
const (
	opEpoch  = "epoch"  // raise the current epoch (a failover attempt starts)
	opSwitch = "switch" // a failover promoted a replica: new master address and epoch
	// opSwitchEnd: the failover of that epoch re-pointed the replicas; every
	// sentinel now publishes +switch-master, at the end of the failover as Redis
	// does. The address changed already with opSwitch.
	opSwitchEnd = "switch-end"
	// opMonitor adds a monitored master or replaces its settings (SENTINEL MONITOR
	// and SET), opRemove drops one (SENTINEL REMOVE): runtime configuration every
	// sentinel shares, kept here because the config file is never rewritten.
	opMonitor = "monitor"
	opRemove  = "remove"
	// opSentinelConfig is SENTINEL CONFIG SET of one sentinel (Name is its run
	// id): its own settings, kept in the log so that they survive a restart
	// without rewriting the (possibly read-only) config file.
	opSentinelConfig = "sentinel-config"
	// opFailoverAbort: the failover of that epoch ended without a promotion
	// (Value is the reason, as in -failover-abort-<reason>). No state changes;
	// a sentinel that handed that failover to the leader (SENTINEL FAILOVER)
	// leaves its failover state at once instead of at the failover timeout.
	opFailoverAbort = "failover-abort"
)

// command is one raft log entry, JSON-encoded.
type command struct {
	Op    string `json:"op"`
	Epoch uint64 `json:"epoch"`
	Name  string `json:"name,omitempty"`
	IP    string `json:"ip,omitempty"`
	Port  int    `json:"port,omitempty"`
	// Replicas of the new master as "ip:port", the demoted master included.
	Replicas []string `json:"replicas,omitempty"`
	// OldIP/OldPort is the master the switch replaces, for +switch-master.
	OldIP   string `json:"old_ip,omitempty"`
	OldPort int    `json:"old_port,omitempty"`
	// Leader is the run id of the sentinel that ran the failover.
	Leader string `json:"leader,omitempty"`
	// Monitor is the master's configuration for opMonitor.
	Monitor *MasterConfig `json:"monitor,omitempty"`
	// Param and Value of opSentinelConfig.
	Param string `json:"param,omitempty"`
	Value string `json:"value,omitempty"`
}

// monitorRecord is runtime configuration of one master name.
type monitorRecord struct {
	Config  MasterConfig `json:"config"`
	Removed bool         `json:"removed"`
	// BaseEpoch (local state only): the raft epoch when the master was
	// monitored; failover records of that name up to it are older than the
	// MONITOR and are not applied.
	BaseEpoch uint64 `json:"base_epoch,omitempty"`
}

// masterRecord is the replicated truth about one monitored group.
type masterRecord struct {
	Name        string   `json:"name"`
	IP          string   `json:"ip"`
	Port        int      `json:"port"`
	ConfigEpoch uint64   `json:"config_epoch"`
	Replicas    []string `json:"replicas"`
	Leader      string   `json:"leader"`
}

// fsmState is everything the FSM holds; it is also the snapshot format.
type fsmState struct {
	CurrentEpoch uint64                    `json:"current_epoch"`
	Masters      map[string]*masterRecord  `json:"masters"`
	Monitors     map[string]*monitorRecord `json:"monitors"`
	// SentinelConfigs: per sentinel run id, the CONFIG SET parameters it changed.
	SentinelConfigs map[string]map[string]string `json:"sentinel_configs,omitempty"`
}

// fsm implements raft.FSM. Apply runs on raft's FSM goroutine; onSwitch is called
// there too, after the state changed, and must not call back into raft (it would
// deadlock a caller waiting on Apply).
type fsm struct {
	mu          sync.Mutex
	st          fsmState
	onSwitch    func(c command) // may be nil
	onSwitchEnd func(c command)
	onEpoch     func(epoch uint64, name, leader string)
	onConfig    func(c command)
	// onSentinelConfig runs after a sentinel's CONFIG SET committed.
	onSentinelConfig func(c command)
	// onFailoverAbort runs after a failover abort committed.
	onFailoverAbort func(c command)
	// onRestore runs after a snapshot replaced the state (at start, or when the
	// leader sends one to a lagging follower).
	onRestore func()
}

func newFSM() *fsm {
	return &fsm{st: fsmState{Masters: map[string]*masterRecord{}, Monitors: map[string]*monitorRecord{}}}
}

// Apply implements raft.FSM. The returned value is an error for a rejected entry.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	var c command
	if err := json.Unmarshal(l.Data, &c); err != nil {
		return fmt.Errorf("bad log entry %d: %w", l.Index, err)
	}
	return f.apply(c)
}

func (f *fsm) apply(c command) error {
	f.mu.Lock()
	switch c.Op {
	case opEpoch:
		// Each failover attempt owns its epoch: one that is not above the current
		// epoch was already used (the proposer read a stale value) and is refused.
		if c.Epoch <= f.st.CurrentEpoch {
			cur := f.st.CurrentEpoch
			f.mu.Unlock()
			return fmt.Errorf("stale epoch %d <= %d", c.Epoch, cur)
		}
		f.st.CurrentEpoch = c.Epoch
		f.mu.Unlock()
		if f.onEpoch != nil {
			f.onEpoch(c.Epoch, c.Name, c.Leader)
		}
		return nil
	case opSwitch:
		m := f.st.Masters[c.Name]
		// A switch for an epoch not newer than the one already recorded lost a
		// race: the log order decides, and only the first of an epoch wins.
		if m != nil && c.Epoch <= m.ConfigEpoch {
			f.mu.Unlock()
			return fmt.Errorf("stale switch: epoch %d <= %d", c.Epoch, m.ConfigEpoch)
		}
		reps := append([]string(nil), c.Replicas...)
		sort.Strings(reps)
		f.st.Masters[c.Name] = &masterRecord{Name: c.Name, IP: c.IP, Port: c.Port,
			ConfigEpoch: c.Epoch, Replicas: reps, Leader: c.Leader}
		if c.Epoch > f.st.CurrentEpoch {
			f.st.CurrentEpoch = c.Epoch
		}
		f.mu.Unlock()
		if f.onSwitch != nil {
			f.onSwitch(c)
		}
		return nil
	case opSwitchEnd:
		m := f.st.Masters[c.Name]
		// Only the end of the failover that made the current master counts; a late
		// one (a newer switch committed meanwhile) changes nothing.
		if m == nil || m.ConfigEpoch != c.Epoch {
			f.mu.Unlock()
			return fmt.Errorf("stale switch end: epoch %d", c.Epoch)
		}
		f.mu.Unlock()
		if f.onSwitchEnd != nil {
			f.onSwitchEnd(c)
		}
		return nil
	case opFailoverAbort:
		f.mu.Unlock()
		if f.onFailoverAbort != nil {
			f.onFailoverAbort(c)
		}
		return nil
	case opSentinelConfig:
		if c.Name == "" || c.Param == "" {
			f.mu.Unlock()
			return fmt.Errorf("sentinel config entry without a sentinel or parameter")
		}
		if f.st.SentinelConfigs == nil {
			f.st.SentinelConfigs = map[string]map[string]string{}
		}
		if f.st.SentinelConfigs[c.Name] == nil {
			f.st.SentinelConfigs[c.Name] = map[string]string{}
		}
		f.st.SentinelConfigs[c.Name][c.Param] = c.Value
		f.mu.Unlock()
		if f.onSentinelConfig != nil {
			f.onSentinelConfig(c)
		}
		return nil
	case opMonitor, opRemove:
		if c.Op == opMonitor {
			if c.Monitor == nil {
				f.mu.Unlock()
				return fmt.Errorf("monitor entry without a config")
			}
			c.Name = c.Monitor.Name
			f.st.Monitors[c.Name] = &monitorRecord{Config: *c.Monitor}
		} else {
			f.st.Monitors[c.Name] = &monitorRecord{Removed: true}
			// A master monitored again later starts from its new address.
			delete(f.st.Masters, c.Name)
		}
		f.mu.Unlock()
		if f.onConfig != nil {
			f.onConfig(c)
		}
		return nil
	}
	f.mu.Unlock()
	return fmt.Errorf("unknown op %q", c.Op)
}

// master returns a copy of the record for name.
func (f *fsm) master(name string) (masterRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.st.Masters[name]
	if !ok {
		return masterRecord{}, false
	}
	r := *m
	r.Replicas = append([]string(nil), m.Replicas...)
	return r, true
}

// monitors returns a copy of the runtime configuration records.
func (f *fsm) monitors() map[string]monitorRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]monitorRecord, len(f.st.Monitors))
	for k, v := range f.st.Monitors {
		out[k] = *v
	}
	return out
}

// sentinelConfig returns a copy of the CONFIG SET parameters sentinel id committed.
func (f *fsm) sentinelConfig(id string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for k, v := range f.st.SentinelConfigs[id] {
		out[k] = v
	}
	return out
}

func (f *fsm) currentEpoch() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.CurrentEpoch
}

// Snapshot implements raft.FSM.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := json.Marshal(&f.st)
	if err != nil {
		return nil, err
	}
	return fsmSnapshot(b), nil
}

// Restore implements raft.FSM.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var st fsmState
	if err := json.NewDecoder(rc).Decode(&st); err != nil {
		return err
	}
	if st.Masters == nil {
		st.Masters = map[string]*masterRecord{}
	}
	if st.Monitors == nil {
		st.Monitors = map[string]*monitorRecord{}
	}
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
	if f.onRestore != nil {
		f.onRestore()
	}
	return nil
}

type fsmSnapshot []byte

func (s fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s fsmSnapshot) Release() {}
