// Command gendocs writes docs/commands.md from the engine's command table.
//
//	go run ./engine/internal/gendocs          # from anywhere inside the module
//	go run ./engine/internal/gendocs -o FILE  # somewhere else
//
// The engine's tests fail when docs/commands.md differs from what this writes, so run
// it after changing a command spec.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/keygrid/keygrid/engine"
)

func main() {
	out := flag.String("o", "", "output file (default: docs/commands.md in the module root)")
	flag.Parse()
	path := *out
	if path == "" {
		root, err := moduleRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, "gendocs:", err)
			os.Exit(1)
		}
		path = filepath.Join(root, "docs", "commands.md")
	}
	if err := os.WriteFile(path, engine.CommandsMarkdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// moduleRoot asks the go command where go.mod is.
func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(b))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}
