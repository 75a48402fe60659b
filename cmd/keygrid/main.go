// Command keygrid is the single binary of keygrid: a Redis-compatible data node
// (`keygrid server`), a sentinel (`keygrid sentinel`) and a slot-aware proxy
// (`keygrid proxy`). It only parses the subcommand and hands over to the package that
// implements it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/internal/cli"
	"github.com/keygrid/keygrid/internal/daemon"
	"github.com/keygrid/keygrid/node"
	"github.com/keygrid/keygrid/proxy"
	"github.com/keygrid/keygrid/sentinel"
)

const usage = `Usage: keygrid <command> [arguments]
       keygrid redis-server|redis-sentinel|redis-check-rdb|redis-check-aof|redis-cli [arguments]
       (or keygrid installed under one of those names: it is then that program)

Commands:
  server [/path/to/redis.conf] [--directive value ...]   run a data node (default port 6379)
  sentinel [/path/to/sentinel.conf] [--directive value ...] run a sentinel (default port 26379)
  proxy --cluster host:port[,...] [--port 7777]          run the slot-aware proxy
  check-rdb FILE                                        check an RDB file
  check-aof [--fix] FILE.manifest|FILE.aof              check (and repair) an append-only file
  health [-h host] [-p port] [-a pass] [--cluster]      exit 0 if the node answers PING (alias: ping)
  handoff [-h host] [-p port] [-a pass] [--timeout 30s] a master hands its slots to a replica (preStop)
  version                                               print the version
  help                                                  this text

Examples:
  keygrid server
  keygrid server /etc/keygrid/redis.conf --port 7000 --save ""
`

func main() {
	// Before anything reads them: the process title (set-proc-title) reuses the
	// memory os.Args and the environment were read from (internal/daemon).
	daemon.DetachArgsAndEnv()
	// Installed under one of Redis's names (a symlink or a copy), keygrid is that
	// program, so that scripts, init units, compose files and manifests that run
	// redis-server, redis-sentinel or the checkers by name run keygrid unchanged.
	if code, ok := redisProgram(filepath.Base(os.Args[0]), os.Args[1:]); ok {
		os.Exit(code)
	}
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(1)
	}
	// The same names as the first argument, for the image's ENTRYPOINT ["/keygrid"]:
	// a compose file's `command: redis-server --appendonly yes` written for the
	// official redis image. As that image's entrypoint, options or a .conf file
	// with no program name mean redis-server.
	if strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" &&
		args[0] != "-v" && args[0] != "--version" || strings.HasSuffix(args[0], ".conf") {
		args = append([]string{"redis-server"}, args...)
	}
	if code, ok := redisProgram(args[0], args[1:]); ok {
		os.Exit(code)
	}
	switch args[0] {
	case "server":
		os.Exit(serverMain(args[1:], "keygrid server"))
	case "sentinel":
		os.Exit(sentinelMain(args[1:], "keygrid sentinel"))
	case "proxy":
		os.Exit(proxy.Main(args[1:]))
	case "check-rdb":
		os.Exit(rdb.CheckMain(args[1:], os.Stdout))
	case "check-aof":
		os.Exit(engine.CheckAOFMain(args[1:], os.Stdin, os.Stdout))
	case "health", "ping":
		os.Exit(healthMain(args[1:], os.Stdout, os.Stderr))
	case "handoff":
		os.Exit(handoffMain(args[1:], os.Stdout, os.Stderr))
	case "version", "--version", "-v":
		fmt.Printf("keygrid %s (redis %s compatible)\n", engine.KeygridVersion, engine.Version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "keygrid: unknown command %q\n\n%s", args[0], usage)
		os.Exit(1)
	}
}

// redisProgram runs the Redis program called name, if it is one.
func redisProgram(name string, args []string) (code int, ok bool) {
	switch name {
	case "redis-server":
		return serverMain(args, name), true
	case "redis-sentinel":
		return sentinelMain(args, name), true
	case "redis-check-rdb":
		return rdb.CheckMain(args, os.Stdout), true
	case "redis-check-aof":
		return engine.CheckAOFMain(args, os.Stdin, os.Stdout), true
	case "redis-cli":
		return cli.Main(args), true
	}
	return 0, false
}

// serverMain is redis-server's main(): -v/--version and -h/--help as its first
// argument, sentinel mode for a --sentinel anywhere (checkForSentinelMode), else a
// data node. name is what it was run as, for the usage.
func serverMain(args []string, name string) int {
	if code, done := versionOrHelp(args, name); done {
		return code
	}
	for i, a := range args {
		if a == "--sentinel" {
			return sentinel.Main(append(append([]string(nil), args[:i]...), args[i+1:]...))
		}
	}
	return node.Main(args)
}

// sentinelMain is redis-sentinel's: the same -v/-h, then a sentinel.
func sentinelMain(args []string, name string) int {
	if code, done := versionOrHelp(args, name); done {
		return code
	}
	return sentinel.Main(args)
}

// versionOrHelp handles redis-server's informational first arguments: the version
// line on standard output (status 0), or the usage on standard error (status 1).
func versionOrHelp(args []string, name string) (code int, done bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "-v", "--version":
		fmt.Println(engine.VersionLine())
		return 0, true
	case "-h", "--help":
		fmt.Fprintf(os.Stderr, serverUsage, name)
		return 1, true
	}
	return 0, false
}

// serverUsage is redis-server's usage, for what keygrid supports (%[1]s: the name
// it was run as).
const serverUsage = `Usage: %[1]s [/path/to/redis.conf] [options]
       %[1]s -v or --version
       %[1]s -h or --help

Examples:
       %[1]s (run the server with default conf)
       %[1]s /etc/redis/6379.conf
       %[1]s --port 7777
       %[1]s --port 7777 --replicaof 127.0.0.1 8888
       %[1]s /etc/myredis.conf --loglevel verbose

Sentinel mode:
       %[1]s /etc/sentinel.conf --sentinel
`
