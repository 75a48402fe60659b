// Package deploy holds the Dockerfile, compose files and manifests; its tests build
// and run them.
package deploy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// dockerOrSkip skips when no Docker engine answers (developer machines without
// one); CI machines have one, so there the test runs.
func dockerOrSkip(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine: %v %s", err, out)
	}
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// redisNames are the Redis program names `make image` links to /keygrid in the
// image's /usr/local/bin (the Makefile's REDIS_NAMES).
var redisNames = []string{"redis-cli", "redis-server", "redis-sentinel", "redis-check-rdb", "redis-check-aof"}

// buildImage builds the image as `make image` does: a static binary, an empty
// data/ and usr/local/bin/ with the redisNames symlinks in a context directory,
// deploy/Dockerfile. It is built once per test binary
// (every compose test runs the same image; under load one build takes minutes) and
// removed by TestMain.
func buildImage(t *testing.T) string {
	t.Helper()
	image.once.Do(func() { image.tag, image.err = buildImageOnce() })
	if image.err != nil {
		t.Fatal(image.err)
	}
	return image.tag
}

var image struct {
	once sync.Once
	tag  string
	err  error
}

func buildImageOnce() (string, error) {
	root, err := testutil.ModuleRoot()
	if err != nil {
		return "", err
	}
	ctxDir, err := os.MkdirTemp("", "keygrid-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(ctxDir)
	if err := os.Mkdir(filepath.Join(ctxDir, "data"), 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(ctxDir, "usr", "local", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	for _, name := range redisNames {
		if err := os.Symlink("/keygrid", filepath.Join(bin, name)); err != nil {
			return "", err
		}
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ctxDir, "keygrid"), "./cmd/keygrid")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	tag := fmt.Sprintf("keygrid-test:deploy-%d", os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "build", "-q", "-f", filepath.Join(root, "deploy", "Dockerfile"), "-t", tag, ctxDir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker build: %v\n%s", err, out)
	}
	return tag, nil
}

// TestMain removes the image the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if image.tag != "" {
		exec.Command("docker", "rmi", "-f", image.tag).Run()
	}
	os.Exit(code)
}

// TestImage builds the FROM scratch image, runs it, and checks what a user relies
// on: it becomes healthy through its own HEALTHCHECK, serves clients on the published
// port, runs as the unprivileged user, and keeps its data in /data.
func TestImage(t *testing.T) {
	dockerOrSkip(t)
	tag := buildImage(t)
	t.Parallel() // with the compose tests and drills
	if u := docker(t, "image", "inspect", "-f", "{{.Config.User}}", tag); u != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", u)
	}
	id := docker(t, "run", "-d", "--rm", "-p", "127.0.0.1::6379", "--health-interval", "1s", "--health-start-period", "1s", tag)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	deadline := time.Now().Add(30 * time.Second)
	status := ""
	for time.Now().Before(deadline) {
		status = docker(t, "inspect", "-f", "{{.State.Health.Status}}", id)
		if status == "healthy" {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if status != "healthy" {
		t.Fatalf("container health %q after 30 s; logs:\n%s", status, docker(t, "logs", id))
	}
	hostPort := docker(t, "port", id, "6379/tcp") // "127.0.0.1:49153"
	c, err := testutil.Dial(strings.Split(hostPort, "\n")[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, step := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"CONFIG", "GET", "dir"}, "*2\r\n$3\r\ndir\r\n$5\r\n/data\r\n"},
	} {
		got, err := c.Do(step.cmd...)
		if err != nil || string(got) != step.want {
			t.Fatalf("%v: %q %v, want %q", step.cmd, got, err, step.want)
		}
	}
}

// TestImageRedisServerCommand: a compose file written for the official redis image
// (`command: redis-server --appendonly yes`, or just options) runs on this image
// unchanged: keygrid is redis-server there, with the image's defaults (protected
// mode off, data in /data), so a client from outside the container is served.
func TestImageRedisServerCommand(t *testing.T) {
	dockerOrSkip(t)
	tag := buildImage(t)
	t.Parallel()
	for _, command := range [][]string{{"redis-server", "--appendonly", "yes"}, {"--appendonly", "yes"}} {
		id := docker(t, append([]string{"run", "-d", "--rm", "-p", "127.0.0.1::6379", tag}, command...)...)
		t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
		hostPort := strings.Split(docker(t, "port", id, "6379/tcp"), "\n")[0]
		var c *testutil.Conn
		testutil.WaitFor(t, 30*time.Second, func() bool {
			var err error
			if c, err = testutil.Dial(hostPort); err != nil {
				return false
			}
			if r, err := c.Do("PING"); err != nil || string(r) != "+PONG\r\n" {
				c.Close()
				return false
			}
			return true
		}, fmt.Sprintf("%v: no PONG through the published port; logs:\n%s", command, docker(t, "logs", id)))
		for _, step := range []struct {
			cmd  []string
			want string
		}{
			{[]string{"SET", "k", "v"}, "+OK\r\n"},
			{[]string{"CONFIG", "GET", "appendonly"}, "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n"},
			{[]string{"CONFIG", "GET", "protected-mode"}, "*2\r\n$14\r\nprotected-mode\r\n$2\r\nno\r\n"},
			{[]string{"CONFIG", "GET", "dir"}, "*2\r\n$3\r\ndir\r\n$5\r\n/data\r\n"},
		} {
			if got, err := c.Do(step.cmd...); err != nil || string(got) != step.want {
				t.Errorf("%v: %v: %q %v, want %q", command, step.cmd, got, err, step.want)
			}
		}
		c.Close()
	}
}

// TestImageRedisCLI: what users of the redis image run inside the container works
// with no shell and no redis-cli of Redis's: `docker exec c redis-cli ping` (and
// set/get, and a password from REDISCLI_AUTH), a healthcheck
// ["CMD", "redis-cli", "ping"] as compose files and probes write it, and the
// other Redis names resolve on the PATH. The names are symlinks, not copies.
func TestImageRedisCLI(t *testing.T) {
	dockerOrSkip(t)
	tag := buildImage(t)
	t.Parallel()
	// `docker run --health-cmd` always goes through /bin/sh (CMD-SHELL), which the
	// image has not; the exec form, as compose's test: ["CMD", "redis-cli", "ping"]
	// writes it, is a HEALTHCHECK of an image built on this one (nothing pulled).
	ctxDir := t.TempDir()
	dockerfile := fmt.Sprintf("FROM %s\nHEALTHCHECK --interval=1s --timeout=3s --start-period=1s --retries=3 CMD [\"redis-cli\", \"ping\"]\n", tag)
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	hcTag := tag + "-redis-cli-healthcheck"
	docker(t, "build", "-q", "-t", hcTag, ctxDir)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", hcTag).Run() })
	id := docker(t, "run", "-d", "--rm", hcTag)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	status := ""
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if status = docker(t, "inspect", "-f", "{{.State.Health.Status}}", id); status == "healthy" {
			break
		}
	}
	if status != "healthy" {
		t.Fatalf("health %q with redis-cli ping after 30 s; health log:\n%s\nlogs:\n%s", status,
			docker(t, "inspect", "-f", "{{json .State.Health}}", id), docker(t, "logs", id))
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"redis-cli", "ping"}, "PONG"},
		{[]string{"redis-cli", "set", "a", "b"}, "OK"},
		{[]string{"redis-cli", "get", "a"}, "b"},
		{[]string{"redis-cli", "-n", "0", "--no-raw", "get", "a"}, `"b"`},
		{[]string{"redis-cli", "-v"}, "redis-cli 7.0.15 (keygrid "},
		{[]string{"redis-server", "--version"}, "Redis server v=7.0.15"},
		{[]string{"redis-sentinel", "--version"}, "Redis server v=7.0.15"},
		{[]string{"redis-check-aof"}, "Usage:"},
	} {
		cmd := exec.Command("docker", append([]string{"exec", id}, step.args...)...)
		out, _ := cmd.CombinedOutput()
		if !strings.HasPrefix(strings.TrimSpace(string(out)), step.want) {
			t.Errorf("docker exec %v: %q, want it to start with %q", step.args, out, step.want)
		}
	}
	// Commands from standard input, as `docker exec -i c redis-cli < script` runs them.
	cmd := exec.Command("docker", "exec", "-i", id, "redis-cli")
	cmd.Stdin = strings.NewReader("incr n\nincr n\nget a\n")
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "1\n2\nb\n" {
		t.Errorf("docker exec -i redis-cli <commands: %q %v", out, err)
	}
	// `docker exec -it c redis-cli`: the prompt and the human format on a terminal
	// (script(1) gives docker one).
	if _, err := exec.LookPath("script"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "script", "-q", "-e", "-E", "never", "-c", "docker exec -it "+id+" redis-cli", "/dev/null")
		cmd.Stdin = strings.NewReader("set k \"a b\"\nget k\nlrange nope 0 -1\nquit\n")
		out, err := cmd.CombinedOutput()
		// The terminal echoes the typed lines whenever they arrive, before or
		// between the prompts (all four are typed at once): take the echo out.
		got := string(out)
		for _, typed := range []string{"set k \"a b\"\r\n", "get k\r\n", "lrange nope 0 -1\r\n", "quit\r\n"} {
			got = strings.Replace(got, typed, "", 1)
		}
		want := "127.0.0.1:6379> OK\r\n127.0.0.1:6379> \"a b\"\r\n127.0.0.1:6379> (empty array)\r\n127.0.0.1:6379> "
		if err != nil || !strings.HasSuffix(got, want) {
			t.Errorf("docker exec -it redis-cli: %q %v, want it to end with %q", out, err, want)
		}
	}
	// With a password: REDISCLI_AUTH in the exec's environment, as probes pass it.
	docker(t, "exec", id, "redis-cli", "config", "set", "requirepass", "pw")
	if out := docker(t, "exec", "-e", "REDISCLI_AUTH=pw", id, "redis-cli", "ping"); out != "PONG" {
		t.Errorf("redis-cli ping with REDISCLI_AUTH: %q", out)
	}
	if out, err := exec.Command("docker", "exec", id, "redis-cli", "-a", "wrong", "ping").CombinedOutput(); !strings.Contains(string(out), "AUTH failed: WRONGPASS") || err != nil {
		t.Errorf("redis-cli -a wrong ping: %q %v", out, err)
	}
	// Symlinks, not copies of the binary: the image is the binary's size.
	if out, err := exec.Command("docker", "exec", id, "redis-cli", "--no-auth-warning", "-a", "pw", "config", "get", "dir").CombinedOutput(); err != nil || string(out) != "dir\n/data\n" {
		t.Errorf("config get dir: %q %v", out, err)
	}
	size := docker(t, "image", "inspect", "-f", "{{.Size}}", tag)
	kg := docker(t, "run", "--rm", "--entrypoint", "/keygrid", tag, "version")
	t.Logf("image %s bytes; %s", size, kg)
}
