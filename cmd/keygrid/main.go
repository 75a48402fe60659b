// Command keygrid is the single binary of keygrid: a Redis-compatible data node
// (`keygrid server`), a sentinel (`keygrid sentinel`) and a slot-aware proxy
// (`keygrid proxy`). It only parses the subcommand and hands over to the package that
// implements it.
package main

import (
	"fmt"
	"os"

	"github.com/keygrid/keygrid/engine"
	"github.com/keygrid/keygrid/engine/rdb"
	"github.com/keygrid/keygrid/node"
	"github.com/keygrid/keygrid/proxy"
	"github.com/keygrid/keygrid/sentinel"
)

const usage = `Usage: keygrid <command> [arguments]

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
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(1)
	}
	switch args[0] {
	case "server":
		os.Exit(node.Main(args[1:]))
	case "sentinel":
		os.Exit(sentinel.Main(args[1:]))
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
