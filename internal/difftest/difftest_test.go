package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestDifferential runs every script in testdata against redis-server (the
// reference) and keygrid, each script on its own pair of servers, in parallel.
func TestDifferential(t *testing.T) {
	scripts := loadScripts(t)
	against := os.Getenv("DIFFTEST_AGAINST")
	switch {
	case against == "" || against == "keygrid":
		testutil.BuildKeygrid(t) // fail once here, not in every script, if it does not build
	case against == "redis":
	case strings.Contains(against, ":"):
	default:
		t.Fatalf("DIFFTEST_AGAINST=%q: want redis, keygrid or host:port", against)
	}
	for _, sc := range scripts {
		t.Run(sc.Name, func(t *testing.T) {
			var got Side
			switch {
			case against == "redis":
				t.Parallel()
				got = Side{"redis-2", testutil.StartRedis(t).Addr()}
			case strings.Contains(against, ":"):
				// One shared server: scripts must not run at the same time.
				got = Side{"keygrid@" + against, against}
			default:
				t.Parallel()
				got = Side{"keygrid", testutil.StartKeygrid(t).Addr()}
			}
			ref := testutil.StartRedis(t)
			opts := Options{Trace: os.Getenv("DIFFTEST_TRACE") == "1"}
			if sc.Pending == "" || against == "redis" {
				Run(t, sc, Side{Name: "redis", Addr: ref.Addr()}, got, opts)
				return
			}
			// A script for a feature not built yet: run it, log what differs.
			rec := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Run(rec, sc, Side{Name: "redis", Addr: ref.Addr()}, got, opts)
			}()
			<-done
			if len(rec.errs) == 0 {
				t.Errorf("%s is marked !pending %s but now matches redis-server: remove the marker", sc.Path, sc.Pending)
				return
			}
			t.Logf("pending on %s: %d mismatches, first:\n%s", sc.Pending, len(rec.errs), rec.errs[0])
		})
	}
}

// recordingTB collects the failures of a pending script instead of failing the test.
// Fatal ends the goroutine running the script (the caller runs it in its own).
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recordingTB) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recordingTB) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recordingTB) FailNow()          { r.Fatalf("FailNow") }

// loadScripts parses testdata/*.txt, keeping those DIFFTEST_RUN selects.
func loadScripts(t *testing.T) []*Script {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	glob := os.Getenv("DIFFTEST_RUN")
	var scripts []*Script
	for _, p := range paths {
		sc, err := LoadScript(p)
		if err != nil {
			t.Fatal(err)
		}
		if glob != "" {
			if ok, err := filepath.Match(glob, sc.Name); err != nil {
				t.Fatalf("DIFFTEST_RUN=%q: %v", glob, err)
			} else if !ok {
				continue
			}
		}
		scripts = append(scripts, sc)
	}
	if len(scripts) == 0 {
		t.Fatalf("no scripts in testdata match DIFFTEST_RUN=%q", glob)
	}
	return scripts
}
