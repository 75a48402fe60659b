package engine

// oomscore.go: oom-score-adj and oom-score-adj-values (Redis's setOOMScoreAdj).
// With oom-score-adj yes (relative) or absolute, the node writes the value of its
// class, master or replica, to /proc/self/oom_score_adj, so the kernel's OOM killer
// takes replicas before masters; "yes" adds the value found at the first
// adjustment, and turning the directive off restores that value. Redis's third
// class, the background child, has no process here: keygrid's snapshots do not
// fork.

import (
	"os"
	"strconv"
	"strings"

	"github.com/keygrid/keygrid/engine/config"
)

// oomScoreFile is Linux's per-process OOM adjustment (a variable for tests).
var oomScoreFile = "/proc/self/oom_score_adj"

// oomScoreState is what setOOMScoreAdj keeps between calls.
type oomScoreState struct {
	adjusted bool // the file holds a value written here; base is the one before
	base     int
	class    int // the class written last: 0 master, 1 replica
}

// initOOMScore applies the configured adjustment at start (Redis's main calls
// setOOMScoreAdj(-1)), re-applies it when CONFIG SET changes either directive,
// and follows role changes before the reply to REPLICAOF leaves (beforeSleep).
func (s *Server) initOOMScore() {
	if s.cfg.OOMScoreAdj != "no" {
		s.setOOMScoreAdj() // a failure is logged; the server starts anyway, as Redis
	}
	s.configApplyHooks = append(s.configApplyHooks, func(changed []string) error {
		for _, name := range changed {
			if name != "oom-score-adj" && name != "oom-score-adj-values" {
				continue
			}
			if !s.setOOMScoreAdj() {
				return config.SetError(name, "Failed to set current oom_score_adj. Check server logs.")
			}
			return nil
		}
		return nil
	})
	s.beforeSleepHooks = append(s.beforeSleepHooks, func() {
		if s.oom.adjusted && s.cfg.OOMScoreAdj != "no" && s.oomClass() != s.oom.class {
			s.setOOMScoreAdj()
		}
	})
}

// oomClass is the index of this node's value in oom-score-adj-values.
func (s *Server) oomClass() int {
	if s.roleFn != nil && s.roleFn() != "master" {
		return 1
	}
	return 0
}

// setOOMScoreAdj writes the configured value for the current class, or restores
// the original one when the directive was turned off. false: it failed (logged).
func (s *Server) setOOMScoreAdj() bool {
	st := &s.oom
	var val int
	switch {
	case s.cfg.OOMScoreAdj != "no":
		if !st.adjusted {
			b, err := os.ReadFile(oomScoreFile)
			if err != nil {
				s.log.Warn("Unable to read oom_score_adj: " + aofStrerror(err))
				return false
			}
			st.base, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			st.adjusted = true
		}
		st.class = s.oomClass()
		val = s.cfg.OOMScoreAdjValues[st.class]
		if s.cfg.OOMScoreAdj != "absolute" {
			val += st.base
		}
		val = min(max(val, -1000), 1000)
	case st.adjusted:
		st.adjusted = false
		val = st.base
	default:
		return true
	}
	f, err := os.OpenFile(oomScoreFile, os.O_WRONLY|os.O_TRUNC, 0) // O_TRUNC: procfs ignores it, a test file needs it
	if err == nil {
		_, err = f.WriteString(strconv.Itoa(val) + "\n")
		f.Close()
	}
	if err != nil {
		s.log.Warn("Unable to write oom_score_adj: " + aofStrerror(err))
		return false
	}
	return true
}
