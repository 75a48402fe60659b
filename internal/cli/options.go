package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	kgconfig "github.com/keygrid/keygrid/engine/config"
)

// Output modes, as redis-cli's: the human format when standard output is a
// terminal (or FAKETTY is set), the raw format otherwise; --raw and --no-raw choose.
const (
	outputStandard = iota
	outputRaw
)

// config is what the options set (redis-cli's struct config, for what keygrid's
// redis-cli supports).
type config struct {
	host        string
	port        int
	socket      string
	user        string
	hasUser     bool
	auth        string
	hasAuth     bool
	db          int
	resp3       bool
	resp2       bool
	noAuthWarn  bool
	repeat      int64
	interval    float64 // seconds
	stdinLast   bool
	output      int
	cluster     bool
	setErrCode  bool
	pushOutput  bool
	mbDelim     string
	cmdDelim    string
	interactive bool
}

// unsupported are redis-cli's modes keygrid's redis-cli leaves to Redis's.
var unsupported = map[string]bool{
	"--cluster": true, "--bigkeys": true, "--memkeys": true, "--memkeys-samples": true,
	"--hotkeys": true, "--latency": true, "--latency-history": true, "--latency-dist": true,
	"--intrinsic-latency": true, "--lru-test": true, "--rdb": true, "--functions-rdb": true,
	"--pipe": true, "--pipe-timeout": true, "--eval": true, "--ldb": true, "--ldb-sync-mode": true,
	"--stat": true, "--scan": true, "--slave": true, "--replica": true, "--tls": true,
	"--askpass": true, "--csv": true, "--json": true, "--quoted-json": true, "-X": true,
	"--quoted-input": true,
}

// errExit ends option parsing with an exit status (after -v, --help, or a bad
// option, whose message is already written).
type errExit int

// parseOptions reads the options as redis-cli's parseOptions does: they end at
// the first argument that does not start with '-' (the command), and an option
// whose value is missing (the last argument) is an unrecognized one. It returns
// the index of the command's first argument.
func parseOptions(c *config, args []string, stdout, stderr io.Writer) (int, error) {
	i := 0
loop:
	for ; i < len(args); i++ {
		a := args[i]
		last := i == len(args)-1
		val := func() string { i++; return args[i] }
		switch {
		case a == "-h" && !last:
			c.host = val()
		case a == "-h" && last, a == "--help":
			usage(stdout)
			return 0, errExit(0)
		case a == "-x":
			c.stdinLast = true
		case a == "-p" && !last:
			c.port = atoi(val())
		case a == "-s" && !last:
			c.socket = val()
		case a == "-r" && !last:
			c.repeat = kgconfig.Atoll(val())
		case a == "-i" && !last:
			c.interval, _ = strconv.ParseFloat(strings.TrimSpace(val()), 64)
		case a == "-n" && !last:
			c.db = atoi(val())
		case a == "--no-auth-warning":
			c.noAuthWarn = true
		case (a == "-a" || a == "--pass") && !last:
			c.auth, c.hasAuth = val(), true
		case a == "--user" && !last:
			c.user, c.hasUser = val(), true
		case a == "-u" && !last:
			if err := parseURI(c, val(), stderr); err != nil {
				return 0, err
			}
		case a == "--raw":
			c.output = outputRaw
		case a == "--no-raw":
			c.output = outputStandard
		case a == "-c":
			c.cluster = true
		case a == "-d" && !last:
			c.mbDelim = val()
		case a == "-D" && !last:
			c.cmdDelim = val()
		case a == "-e":
			c.setErrCode = true
		case a == "--verbose":
		case a == "-v" || a == "--version":
			fmt.Fprintf(stdout, "redis-cli %s\n", versionString())
			return 0, errExit(0)
		case a == "-2":
			c.resp2 = true
		case a == "-3":
			c.resp3 = true
		case a == "--show-pushes" && !last:
			v := val()
			switch {
			case len(v) > 0 && (v[0] == 'n' || v[0] == 'N'):
				c.pushOutput = false
			case len(v) > 0 && (v[0] == 'y' || v[0] == 'Y'):
				c.pushOutput = true
			default:
				fmt.Fprintf(stderr, "Unknown --show-pushes value '%s' (valid: '[y]es', '[n]o')\n", v)
			}
		case unsupported[a]:
			fmt.Fprintf(stderr, "%s is not supported by keygrid's redis-cli: use Redis's redis-cli for it\n", a)
			return 0, errExit(1)
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", a)
			return 0, errExit(1)
		default:
			break loop // the command
		}
	}
	if c.socket != "" && c.cluster {
		fmt.Fprintln(stderr, "Options -c and -s are mutually exclusive.")
		return 0, errExit(1)
	}
	if c.resp2 && c.resp3 {
		fmt.Fprintln(stderr, "Options -2 and -3 are mutually exclusive.")
		return 0, errExit(1)
	}
	return i, nil
}

// warnAuth is the warning redis-cli writes when a password came on the command line.
const warnAuth = "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n"

// parseURI reads -u redis://[[user:]pass@]host[:port][/db] (redis-cli's
// parseRedisUri; rediss:// needs TLS, which keygrid's redis-cli does not do).
func parseURI(c *config, uri string, stderr io.Writer) error {
	const scheme, tlsScheme = "redis://", "rediss://"
	switch {
	case len(uri) >= len(tlsScheme) && strings.EqualFold(uri[:len(tlsScheme)], tlsScheme):
		fmt.Fprintln(stderr, "rediss:// is only supported when redis-cli is compiled with OpenSSL")
		return errExit(1)
	case len(uri) >= len(scheme) && strings.EqualFold(uri[:len(scheme)], scheme):
		uri = uri[len(scheme):]
	default:
		fmt.Fprintln(stderr, "Invalid URI scheme")
		return errExit(1)
	}
	if uri == "" {
		return nil
	}
	if at := strings.IndexByte(uri, '@'); at >= 0 {
		userinfo := uri[:at]
		if colon := strings.IndexByte(uri, ':'); colon >= 0 && colon < at {
			u, err := percentDecode(uri[:colon], stderr)
			if err != nil {
				return err
			}
			c.user, c.hasUser = u, true
			userinfo = uri[colon+1 : at]
		}
		p, err := percentDecode(userinfo, stderr)
		if err != nil {
			return err
		}
		c.auth, c.hasAuth = p, true
		uri = uri[at+1:]
	}
	if uri == "" {
		return nil
	}
	slash := strings.IndexByte(uri, '/')
	if uri[0] != '/' {
		host := uri
		if slash >= 0 {
			host = uri[:slash]
		}
		// redis-cli looks for the port's colon in the whole rest, path included.
		if colon := strings.IndexByte(uri, ':'); colon >= 0 {
			c.port = atoi(uri[colon+1:])
			host = uri[:colon]
		}
		c.host = host
	}
	if slash < 0 {
		return nil
	}
	if rest := uri[slash+1:]; rest != "" {
		c.db = atoi(rest)
	}
	return nil
}

func percentDecode(s string, stderr io.Writer) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if len(s)-i < 3 {
			fmt.Fprintln(stderr, "Incomplete URI encoding")
			return "", errExit(1)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			fmt.Fprintln(stderr, "Illegal character in URI encoding")
			return "", errExit(1)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// atoi is C's (kgconfig.Atoll, cut to an int).
func atoi(s string) int { return int(int32(kgconfig.Atoll(s))) }

func usage(w io.Writer) {
	fmt.Fprintf(w, `redis-cli %s

Usage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -s <socket>        Server socket (overrides hostname and port).
  -a <password>      Password to use when connecting to the server.
                     You can also use the REDISCLI_AUTH environment
                     variable to pass this password more safely
                     (if both are used, this argument takes precedence).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  -u <uri>           Server URI: redis://[[user:]password@]host[:port][/db].
  -r <repeat>        Execute specified command N times.
  -i <interval>      When -r is used, waits <interval> seconds per command.
  -n <db>            Database number.
  -2                 Start session in RESP2 protocol mode.
  -3                 Start session in RESP3 protocol mode.
  -x                 Read last argument from STDIN.
  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \n).
  -D <delimiter>     Delimiter between responses for raw formatting (default: \n).
  -c                 Enable cluster mode (follow -ASK and -MOVED redirections).
  -e                 Return exit error code when command execution fails.
  --raw              Use raw formatting for replies (default when STDOUT is
                     not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --show-pushes <yn> Whether to print RESP3 PUSH messages.  Enabled by default when
                     STDOUT is a tty but can be overridden with --show-pushes no.
  --no-auth-warning  Don't show warning message when using password on command
                     line interface.
  --help             Output this help and exit.
  --version          Output version and exit.

This is keygrid's redis-cli: what health checks, probes, scripts and a shell
use. --cluster, --bigkeys, --latency, --rdb, --pipe, --eval, --stat, --scan,
--tls and the other modes are not supported: use Redis's redis-cli for those.

Examples:
  redis-cli ping
  cat /etc/passwd | redis-cli -x set mypasswd
  redis-cli -u redis://default:PASSWORD@localhost:6379/0 get mypasswd
  redis-cli -r 100 lpush mylist x
  redis-cli -r 100 -i 1 info | grep used_memory_human:

When no command is given, redis-cli starts in interactive mode.
`, versionString())
}

func (e errExit) Error() string { return "exit " + strconv.Itoa(int(e)) }
