package drill

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Result is one drill's record: what was done, what was measured, whether it met its
// bar. Drills write it as JSON (for CI and docs/benchmarks.md) and print Summary.
type Result struct {
	Drill     string    `json:"drill"`
	Fault     string    `json:"fault"`
	Started   time.Time `json:"started"`
	Cycles    int       `json:"cycles"`
	Acked     int       `json:"acked_writes"`
	Lost      int       `json:"lost_writes"`
	MaxLostMs int64     `json:"max_lost_age_ms,omitempty"`
	// RecoveryMs holds, per cycle, the time from the fault to the first acknowledged
	// write after it.
	RecoveryMs []int64 `json:"recovery_ms"`
	Checker    string  `json:"checker,omitempty"` // e.g. "linearizable", "list: acked=... lost=0 ..."
	// Cases counts the inputs of a drill that tries many (cut offsets, flipped
	// bytes, bad frames); Failures describes each one that missed the bar.
	Cases    int      `json:"cases,omitempty"`
	Failures []string `json:"failures,omitempty"`
	// Figures holds other measurements by name, e.g. "rss_growth_mb".
	Figures map[string]float64 `json:"figures,omitempty"`
	Bar     string             `json:"bar"` // the pass criterion, in words
	Pass    bool               `json:"pass"`
}

// RecoveryStats returns the median and the maximum recovery time.
func (r *Result) RecoveryStats() (median, max time.Duration) {
	if len(r.RecoveryMs) == 0 {
		return 0, 0
	}
	s := append([]int64(nil), r.RecoveryMs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return time.Duration(s[len(s)/2]) * time.Millisecond, time.Duration(s[len(s)-1]) * time.Millisecond
}

// Summary is the line a drill prints.
func (r *Result) Summary() string {
	med, max := r.RecoveryStats()
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	var figs []string
	for k, v := range r.Figures {
		figs = append(figs, fmt.Sprintf("%s=%.4g", k, v))
	}
	sort.Strings(figs)
	var s string
	if r.Cases > 0 {
		// A many-inputs drill: cycles and writes mean nothing there.
		s = fmt.Sprintf("%s %s (%s): cases=%d failures=%d", verdict, r.Drill, r.Fault, r.Cases, len(r.Failures))
	} else {
		s = fmt.Sprintf("%s %s (%s): cycles=%d acked=%d lost=%d max_lost_age=%dms recovery median=%v max=%v",
			verdict, r.Drill, r.Fault, r.Cycles, r.Acked, r.Lost, r.MaxLostMs, med, max)
	}
	if len(figs) > 0 {
		s += " " + strings.Join(figs, " ")
	}
	if r.Checker != "" {
		s += " " + r.Checker
	}
	return s + " [bar: " + r.Bar + "]"
}

// Fail records a case that missed the bar; the result no longer passes.
func (r *Result) Fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
	r.Pass = false
}

// WriteJSON writes r to w.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Save writes r as dir/<drill>.json (dir is created).
func (r *Result) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.Drill+".json")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
