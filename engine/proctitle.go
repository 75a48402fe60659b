package engine

// The process title (set-proc-title, proc-title-template), as Redis's
// redisSetProcTitle: set once the ports are bound, and again by CONFIG SET
// proc-title-template. internal/daemon writes it.

import (
	"errors"
	"path/filepath"
	"slices"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/daemon"
)

func (s *Server) initProcTitle() {
	s.configApplyHooks = append(s.configApplyHooks, func(changed []string) error {
		if !slices.Contains(changed, "proc-title-template") {
			return nil
		}
		if err := s.setProcTitle(); err != nil {
			return config.SetError("proc-title-template", "failed to set process title")
		}
		return nil
	})
}

// setProcTitle sets the title from proc-title-template when set-proc-title is on
// and the engine runs as a program of its own (Options.ProcTitle).
func (s *Server) setProcTitle() error {
	if s.procTitle == "" || !s.cfg.SetProcTitle {
		return nil
	}
	cfgFile := ""
	if s.cfgPath != "" {
		cfgFile, _ = filepath.Abs(s.cfgPath)
	}
	t, ok := config.ExpandProcTitle(s.cfg, s.cfg.ProcTitleTemplate, s.procTitle, cfgFile)
	if !ok {
		return errors.New("invalid proc-title-template")
	}
	return daemon.SetProcTitle(t)
}
