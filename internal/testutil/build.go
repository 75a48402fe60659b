// Building cmd/keygrid for integration tests.

package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

const keygridPkg = "github.com/keygrid/keygrid/cmd/keygrid"

var build struct {
	once sync.Once
	path string
	err  error
}

// BuildKeygrid returns the path of a keygrid binary: $KEYGRID_BIN if set, otherwise
// cmd/keygrid built from this module, once per test binary (with -race when the
// test binary has it).
//
// The binary goes to a fixed path per checkout under os.TempDir, replaced
// atomically, so repeated runs and parallel test binaries (go test ./...) neither
// pile up copies nor see a half-written file; go build's cache keeps rebuilding cheap.
func BuildKeygrid(t testing.TB) string {
	t.Helper()
	build.once.Do(func() { build.path, build.err = buildKeygrid() })
	if build.err != nil {
		t.Fatalf("testutil: %v", build.err)
	}
	return build.path
}

func buildKeygrid() (string, error) {
	if bin := os.Getenv("KEYGRID_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("KEYGRID_BIN: %w", err)
		}
		return filepath.Abs(bin)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("keygrid-test-%d-%s", os.Getuid(), hex.EncodeToString(sum[:6])))
	name := "keygrid"
	if raceEnabled {
		name = "keygrid-race"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// go build writes the file itself: this process never holds it open for
	// writing, so a concurrent fork cannot make exec fail with ETXTBSY.
	tmp := filepath.Join(dir, fmt.Sprintf("keygrid-%d.tmp", os.Getpid()))
	defer os.Remove(tmp) // a no-op once renamed
	args := []string{"build", "-o", tmp}
	if raceEnabled {
		// go test -race: the server under test gets the race detector too.
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, keygridPkg)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", keygridPkg, err, out)
	}
	bin := filepath.Join(dir, name)
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// ModuleRoot returns the directory of the go.mod that governs the working
// directory, found by walking up from it.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
