// This sentinel's own runtime configuration: SENTINEL MONITOR / REMOVE / SET /
// CONFIG SET and ACL changes. In Redis each sentinel has its own configuration
// (MONITOR sent to one sentinel concerns that sentinel only, and works with no
// other sentinel reachable) and rewrites its config file to keep it. keygrid
// never rewrites the config file (it may be read-only): the changes are kept
// in sentinel-state.json in the data dir, beside the raft store, written
// atomically before the command replies, and applied over the config file at
// start. What sentinels must agree on (epochs, failover outcomes) stays in raft.

package sentinel

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

const localStateFile = "sentinel-state.json"

// localState is the file's content.
type localState struct {
	// Monitors: per master name, its runtime configuration (or its removal);
	// Order: the names in the order they were last changed.
	Monitors map[string]*monitorRecord `json:"monitors,omitempty"`
	Order    []string                  `json:"order,omitempty"`
	// Config: SENTINEL CONFIG SET parameters.
	Config map[string]string `json:"config,omitempty"`
	// ACL: the users after the last ACL change, as ACL LIST lines; nil when
	// the users come from the config file only.
	ACL []string `json:"acl,omitempty"`
}

func (s *Sentinel) statePath() string { return filepath.Join(s.cfg.Dir, localStateFile) }

// loadLocalState reads the state file (a missing file is an empty state).
func (s *Sentinel) loadLocalState() error {
	s.local = localState{Monitors: map[string]*monitorRecord{}, Config: map[string]string{}}
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &s.local); err != nil {
		return errors.New("Bad sentinel state file " + s.statePath() + ": " + err.Error())
	}
	if s.local.Monitors == nil {
		s.local.Monitors = map[string]*monitorRecord{}
	}
	if s.local.Config == nil {
		s.local.Config = map[string]string{}
	}
	return nil
}

// applyLocalStateLocked applies the loaded state over the config file's
// masters and parameters. Before Start; mu held.
func (s *Sentinel) applyLocalStateLocked() error {
	for name, v := range s.local.Config {
		if p := findSentinelParam(name); p != nil {
			p.set(s.cfg, v)
		}
	}
	for _, name := range s.local.Order {
		rec := s.local.Monitors[name]
		if rec == nil {
			continue
		}
		if _, ok := s.masters[name]; ok {
			s.dropMasterLocked(name)
		}
		if rec.Removed {
			continue
		}
		m, err := s.addMaster(rec.Config)
		if err != nil {
			s.log.Warn("cannot monitor " + name + ": " + err.Error())
			continue
		}
		m.baseEpoch = rec.BaseEpoch
	}
	return nil
}

// recordMonitorLocked notes the runtime configuration of name (nil: removed)
// and saves the state. mu held.
func (s *Sentinel) recordMonitorLocked(name string, mc *MasterConfig, baseEpoch uint64) error {
	rec := &monitorRecord{Removed: mc == nil, BaseEpoch: baseEpoch}
	if mc != nil {
		rec.Config = *mc
	}
	s.local.Monitors[name] = rec
	for i, n := range s.local.Order {
		if n == name {
			s.local.Order = append(s.local.Order[:i:i], s.local.Order[i+1:]...)
			break
		}
	}
	s.local.Order = append(s.local.Order, name)
	return s.saveLocalStateLocked()
}

// saveLocalStateLocked writes the state file atomically, and logs Redis's
// warning when it cannot. mu held.
func (s *Sentinel) saveLocalStateLocked() error {
	err := s.writeLocalStateLocked()
	if err != nil {
		s.log.Warn("WARNING: Sentinel was not able to save the new configuration on disk!!!: " + err.Error())
	}
	return err
}

func (s *Sentinel) writeLocalStateLocked() error {
	// Redis saves by rewriting its config file, which fails when that path
	// became a directory (its suite's 03-runtime-reconf checks the reply). The
	// file is not rewritten here, and may be read-only, but a configuration
	// that names a directory could not be read at the next start: refuse too.
	if s.path != "" {
		if fi, err := os.Stat(s.path); err == nil && fi.IsDir() {
			return &os.PathError{Op: "open", Path: s.path, Err: syscall.EISDIR}
		}
	}
	b, err := json.MarshalIndent(&s.local, "", "  ")
	if err != nil {
		return err
	}
	path := s.statePath()
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// dropMasterLocked forgets a monitored master (SENTINEL REMOVE). mu held.
func (s *Sentinel) dropMasterLocked(name string) {
	m := s.masters[name]
	if m == nil {
		return
	}
	s.stopMasterLinksLocked(m)
	delete(s.masters, name)
	for i, n := range s.order {
		if n == name {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			break
		}
	}
}
