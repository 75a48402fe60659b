// special.go: directives with their own syntax (save, dir, bind, replicaof,
// client-output-buffer-limit, oom-score-adj-values, notify-keyspace-events,
// latency-tracking-info-percentiles) and the validators of ordinary ones.

package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ---- save ----

// defaultSave is Redis 7.0's built-in save points: after an hour if anything
// changed, after 5 minutes if 100 keys changed, after a minute if 10000 did.
var defaultSave = [][2]int64{{3600, 1}, {300, 100}, {60, 10000}}

var saveSpec = special("save", multiArg,
	func(c *Config) { c.Save = append([][2]int64(nil), defaultSave...) },
	func(c *Config) string {
		parts := make([]string, 0, 2*len(c.Save))
		for _, p := range c.Save {
			parts = append(parts, strconv.FormatInt(p[0], 10), strconv.FormatInt(p[1], 10))
		}
		return strings.Join(parts, " ")
	},
	func(c *Config, args []string, st *loadState) string {
		if len(args) == 1 && args[0] == "" { // save "" disables snapshots
			c.Save = nil
			args = nil
		}
		if len(args)%2 != 0 {
			return "Invalid save parameters"
		}
		points := make([][2]int64, 0, len(args)/2)
		for j := 0; j < len(args); j += 2 {
			secs, rest, _ := strtoll(args[j], 10)
			if rest != "" || secs < 1 {
				return "Invalid save parameters"
			}
			changes, rest, _ := strtoll(args[j+1], 10)
			if rest != "" || changes < 0 {
				return "Invalid save parameters"
			}
			points = append(points, [2]int64{secs, changes})
		}
		// In a file, the first save line replaces the defaults and the
		// following ones add to it; CONFIG SET replaces the whole list.
		if !st.fromFile || !st.saveSeen {
			c.Save = nil
		}
		st.saveSeen = true
		c.Save = append(c.Save, points...)
		return ""
	},
	func(c *Config) string {
		for _, p := range c.Save {
			if p[0] < 1 || p[1] < 0 {
				return "Invalid save parameters"
			}
		}
		return ""
	},
	func(c *Config, rw *rewriter) {
		// Always written: without a save line the defaults would come back.
		if len(c.Save) == 0 {
			rw.line("save", `save ""`, true)
		}
		for _, p := range c.Save {
			rw.line("save", fmt.Sprintf("save %d %d", p[0], p[1]), true)
		}
		rw.processed("save")
	})

// ---- dir ----

var dirSpec = special("dir", protected|denyLoading,
	func(c *Config) {
		// Redis's dir is its working directory at start.
		if wd, err := os.Getwd(); err == nil {
			c.Dir = wd
		} else {
			c.Dir = "."
		}
	},
	func(c *Config) string { return c.Dir },
	func(c *Config, args []string, _ *loadState) string {
		if len(args) != 1 {
			return "wrong number of arguments"
		}
		d, msg := resolveDir(c.Dir, args[0])
		if msg != "" {
			return msg
		}
		c.Dir = d
		return ""
	},
	func(c *Config) string { return "" },
	func(c *Config, rw *rewriter) { rw.line("dir", "dir "+Quote(c.Dir), true) })

// resolveDir does what Redis's chdir(dir) then getcwd() do, without changing
// the process's directory: a relative dir is relative to the current one,
// and the result is absolute with symlinks resolved. Errors are strerror
// texts, as Redis reports them.
func resolveDir(cur, dir string) (string, string) {
	if dir == "" {
		return "", Strerror(syscall.ENOENT)
	}
	p := dir
	if !filepath.IsAbs(p) {
		p = filepath.Join(cur, p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", Strerror(err)
	}
	if !fi.IsDir() {
		return "", Strerror(syscall.ENOTDIR)
	}
	if err := syscall.Access(p, 1); err != nil { // X_OK: chdir needs search permission
		return "", Strerror(err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return filepath.Clean(p), ""
}

// Strerror renders an error as C's strerror does ("No such file or
// directory"): Go's errno texts are glibc's with a lower-case first letter.
// Redis's messages quote it, so keygrid's do too.
func Strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// Atoll parses a leading decimal integer as C's atoll, which Redis and its tools
// use on files and options: blanks, a sign, digits; whatever follows is ignored,
// and no digits is 0.
func Atoll(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n
}

// ---- bind ----

// bindMax is CONFIG_BINDADDR_MAX.
const bindMax = 16

// defaultBind listens on every IPv4 address, and on every IPv6 one if the
// host has IPv6 ("-" means a failure to bind it is not fatal).
var defaultBind = []string{"*", "-::*"}

var bindSpec = special("bind", multiArg,
	func(c *Config) { c.Bind = append([]string(nil), defaultBind...) },
	func(c *Config) string { return strings.Join(c.Bind, " ") },
	func(c *Config, args []string, _ *loadState) string {
		if len(args) > bindMax {
			return "Too many bind addresses specified."
		}
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		c.Bind = append([]string(nil), args...)
		return ""
	},
	func(c *Config) string {
		if len(c.Bind) > bindMax {
			return "Too many bind addresses specified."
		}
		return ""
	},
	func(c *Config, rw *rewriter) {
		if equalStrings(c.Bind, defaultBind) {
			rw.processed("bind") // the default is written as no line at all
			return
		}
		v := strings.Join(c.Bind, " ")
		if len(c.Bind) == 0 {
			v = `""`
		}
		rw.line("bind", "bind "+v, true)
	})

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---- replicaof ----

var replicaofSpec = special("replicaof", immutable|multiArg,
	func(c *Config) { c.ReplicaOfHost, c.ReplicaOfPort = "", 0 },
	func(c *Config) string {
		if c.ReplicaOfHost == "" {
			return ""
		}
		return c.ReplicaOfHost + " " + strconv.Itoa(c.ReplicaOfPort)
	},
	func(c *Config, args []string, _ *loadState) string {
		if len(args) != 2 {
			return "wrong number of arguments"
		}
		c.ReplicaOfHost, c.ReplicaOfPort = "", 0
		if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
			return ""
		}
		port, rest, _ := strtoll(args[1], 10)
		if port < 0 || port > 65535 || rest != "" {
			return "Invalid master port"
		}
		c.ReplicaOfHost, c.ReplicaOfPort = args[0], int(port)
		return ""
	},
	func(c *Config) string {
		if c.ReplicaOfHost != "" && (c.ReplicaOfPort < 0 || c.ReplicaOfPort > 65535) {
			return "Invalid master port"
		}
		return ""
	},
	func(c *Config, rw *rewriter) {
		// A master, or a cluster node (whose role is in nodes.conf), has no line.
		if c.ClusterEnabled || c.ReplicaOfHost == "" {
			rw.processed("replicaof")
			return
		}
		rw.line("replicaof", fmt.Sprintf("replicaof %s %d", c.ReplicaOfHost, c.ReplicaOfPort), true)
	}).aka("slaveof")

// ---- client-output-buffer-limit ----

// defaultOutputBufferLimits: normal clients are never cut off (they read
// their replies); a replica may use 256 MB, or 64 MB for a minute, before it
// is dropped; a pub/sub client 32 MB, or 8 MB for a minute, since a slow
// subscriber would otherwise grow without bound.
var defaultOutputBufferLimits = [3]OutputBufferLimit{
	ClientNormal:  {0, 0, 0},
	ClientReplica: {256 << 20, 64 << 20, 60},
	ClientPubSub:  {32 << 20, 8 << 20, 60},
}

// clientClassNames are the names CONFIG GET uses, Redis's getClientTypeName.
var clientClassNames = [3]string{"normal", "slave", "pubsub"}

var outputBufferLimitSpec = special("client-output-buffer-limit", multiArg,
	func(c *Config) { c.ClientOutputBufferLimit = defaultOutputBufferLimits },
	func(c *Config) string {
		parts := make([]string, 0, 3)
		for i, l := range c.ClientOutputBufferLimit {
			parts = append(parts, fmt.Sprintf("%s %d %d %d", clientClassNames[i], l.Hard, l.Soft, l.SoftSeconds))
		}
		return strings.Join(parts, " ")
	},
	func(c *Config, args []string, _ *loadState) string {
		if len(args)%4 != 0 {
			return "Wrong number of arguments in buffer limit configuration."
		}
		// Check everything first so that one bad class changes nothing.
		limits := c.ClientOutputBufferLimit
		for j := 0; j < len(args); j += 4 {
			class := -1
			switch strings.ToLower(args[j]) {
			case "normal":
				class = ClientNormal
			case "slave", "replica":
				class = ClientReplica
			case "pubsub":
				class = ClientPubSub
			}
			if class < 0 {
				return "Invalid client class specified in buffer limit configuration."
			}
			hard, hok := parseMemory(args[j+1])
			soft, sok := parseMemory(args[j+2])
			secs, rest, _ := strtoll(args[j+3], 10)
			// keygrid keeps limits in int64: larger ones are refused.
			if !hok || !sok || hard > math.MaxInt64 || soft > math.MaxInt64 || secs < 0 || rest != "" {
				return "Error in hard, soft or soft_seconds setting in buffer limit configuration."
			}
			limits[class] = OutputBufferLimit{int64(hard), int64(soft), secs}
		}
		c.ClientOutputBufferLimit = limits
		return ""
	},
	func(c *Config) string {
		for _, l := range c.ClientOutputBufferLimit {
			if l.Hard < 0 || l.Soft < 0 || l.SoftSeconds < 0 {
				return "Error in hard, soft or soft_seconds setting in buffer limit configuration."
			}
		}
		return ""
	},
	func(c *Config, rw *rewriter) {
		for i, l := range c.ClientOutputBufferLimit {
			class := clientClassNames[i]
			if i == ClientReplica {
				class = "replica"
			}
			line := fmt.Sprintf("client-output-buffer-limit %s %s %s %d",
				class, formatMemory(l.Hard), formatMemory(l.Soft), l.SoftSeconds)
			rw.line("client-output-buffer-limit", line, l != defaultOutputBufferLimits[i])
		}
	})

// ---- oom-score-adj-values ----

// defaultOOMScoreAdjValues: a master is the last to be killed by the OOM
// killer, then replicas, then background children (which can be restarted).
var defaultOOMScoreAdjValues = [3]int{0, 200, 800}

var oomScoreAdjValuesSpec = special("oom-score-adj-values", multiArg,
	func(c *Config) { c.OOMScoreAdjValues = defaultOOMScoreAdjValues },
	func(c *Config) string {
		v := c.OOMScoreAdjValues
		return fmt.Sprintf("%d %d %d", v[0], v[1], v[2])
	},
	func(c *Config, args []string, _ *loadState) string {
		if len(args) != 3 {
			return "wrong number of arguments"
		}
		var v [3]int
		for i, a := range args {
			n, rest, _ := strtoll(a, 10)
			if rest != "" || n < -2000 || n > 2000 {
				return "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
			v[i] = int(n)
		}
		c.OOMScoreAdjValues = v
		return ""
	},
	func(c *Config) string {
		for _, n := range c.OOMScoreAdjValues {
			if n < -2000 || n > 2000 {
				return "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
		}
		return ""
	},
	func(c *Config, rw *rewriter) {
		v := c.OOMScoreAdjValues
		rw.line("oom-score-adj-values", fmt.Sprintf("oom-score-adj-values %d %d %d", v[0], v[1], v[2]),
			v != defaultOOMScoreAdjValues)
	})

// ---- notify-keyspace-events ----

// notifyLetters maps each class letter to its flag, in the order Redis
// formats them (after "A", or instead of it).
var notifyLetters = []struct {
	c byte
	f NotifyFlags
}{
	{'g', NotifyGeneric}, {'$', NotifyString}, {'l', NotifyList}, {'s', NotifySet},
	{'h', NotifyHash}, {'z', NotifyZset}, {'x', NotifyExpired}, {'e', NotifyEvicted},
	{'t', NotifyStream}, {'d', NotifyModule}, {'n', NotifyNew},
}

// ParseNotifyFlags parses a notify-keyspace-events class string ("KEA",
// "Ex", ...) as Redis's keyspaceEventsStringToFlags does.
func ParseNotifyFlags(s string) (NotifyFlags, bool) {
	var f NotifyFlags
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case 'A':
			f |= NotifyAll
		case 'K':
			f |= NotifyKeyspace
		case 'E':
			f |= NotifyKeyevent
		case 'm':
			f |= NotifyKeyMiss
		default:
			found := false
			for _, l := range notifyLetters {
				if l.c == ch {
					f |= l.f
					found = true
					break
				}
			}
			if !found {
				return 0, false
			}
		}
	}
	return f, true
}

// String formats f as Redis's keyspaceEventsFlagsToString: "A" for all the
// classes it covers (then n is not shown, as in Redis), else the letters,
// then K, E and m.
func (f NotifyFlags) String() string {
	var b []byte
	if f&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, l := range notifyLetters {
			if f&l.f != 0 {
				b = append(b, l.c)
			}
		}
	}
	if f&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

var notifySpec = special("notify-keyspace-events", 0,
	func(c *Config) { c.NotifyKeyspaceEvents = 0 }, // off: notifications cost CPU and most users need none
	func(c *Config) string { return c.NotifyKeyspaceEvents.String() },
	func(c *Config, args []string, _ *loadState) string {
		if len(args) != 1 {
			return "wrong number of arguments"
		}
		f, ok := ParseNotifyFlags(args[0])
		if !ok {
			return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		c.NotifyKeyspaceEvents = f
		return ""
	},
	func(c *Config) string { return "" },
	func(c *Config, rw *rewriter) {
		f := c.NotifyKeyspaceEvents
		rw.line("notify-keyspace-events", "notify-keyspace-events "+Quote(f.String()), f != 0)
	})

// ---- latency-tracking-info-percentiles ----

// defaultPercentiles: the median and the tails operators look at first.
var defaultPercentiles = []float64{50, 99, 99.9}

var percentilesSpec = special("latency-tracking-info-percentiles", multiArg,
	func(c *Config) { c.LatencyTrackingInfoPercentiles = append([]float64(nil), defaultPercentiles...) },
	func(c *Config) string { return formatPercentiles(c.LatencyTrackingInfoPercentiles) },
	func(c *Config, args []string, _ *loadState) string {
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		ps := make([]float64, 0, len(args))
		for _, a := range args {
			p, ok := parseDouble(a)
			if !ok {
				return "Invalid latency-tracking-info-percentiles parameters"
			}
			if p > 100 || p < 0 {
				return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
			ps = append(ps, p)
		}
		c.LatencyTrackingInfoPercentiles = ps
		return ""
	},
	func(c *Config) string {
		for _, p := range c.LatencyTrackingInfoPercentiles {
			if !(p >= 0 && p <= 100) {
				return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
		}
		return ""
	},
	func(c *Config, rw *rewriter) {
		// Always written: without a line the defaults would come back.
		v := formatPercentiles(c.LatencyTrackingInfoPercentiles)
		if v == "" {
			v = `""`
		}
		rw.line("latency-tracking-info-percentiles", "latency-tracking-info-percentiles "+v, true)
	})

// formatPercentiles prints each value with "%f" then trims trailing zeros
// and a trailing dot, as Redis's trimDoubleString does.
func formatPercentiles(ps []float64) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		s := strconv.FormatFloat(p, 'f', 6, 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(s, "0")
			s = strings.TrimSuffix(s, ".")
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

// parseDouble is Redis's string2d: the whole string is a number, no leading
// space, no NaN, no overflow.
func parseDouble(s string) (float64, bool) {
	if s == "" || isSpace(s[0]) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// ---- validators of ordinary directives ----

// isBaseName is Redis's pathIsBaseName: no '/' and no '\'.
func isBaseName(p string) bool { return !strings.ContainsAny(p, `/\`) }

func validDBFilename(_ *Config, v string) string {
	if !isBaseName(v) {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFFilename(_ *Config, v string) string {
	if v == "" {
		return "appendfilename can't be empty"
	}
	if !isBaseName(v) {
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFDirname(_ *Config, v string) string {
	if v == "" {
		return "appenddirname can't be empty"
	}
	if !isBaseName(v) {
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

// validHostname is Redis's isValidAnnouncedHostname.
func validHostname(_ *Config, v string) string {
	if len(v) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// validProcTitle is Redis's validateProcTitleTemplate: the template must
// expand (known {variables}, balanced braces) to something other than
// spaces when the title itself is empty.
func validProcTitle(c *Config, v string) string {
	if s, ok := ExpandProcTitle(c, v, "", ""); !ok || s == "" {
		return "template format is invalid or contains unknown variables"
	}
	return ""
}

// ExpandProcTitle expands a proc-title-template for a process called title
// and started with configFile ("" for none), as Redis's sdstemplate and
// redisProcTitleGetVariable do; "{{" is a literal "{". The result is
// trimmed of spaces. It reports false for an unknown variable or a
// truncated template.
func ExpandProcTitle(c *Config, tmpl, title, configFile string) (string, bool) {
	var b strings.Builder
	for p := tmpl; p != ""; {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			break
		}
		b.WriteString(p[:i])
		p = p[i+1:]
		if p == "" {
			return "", false
		}
		if p[0] == '{' {
			b.WriteByte('{')
			p = p[1:]
			continue
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return "", false
		}
		v, ok := procTitleVar(c, p[:j], title, configFile)
		if !ok {
			return "", false
		}
		b.WriteString(v)
		p = p[j+1:]
	}
	return strings.Trim(b.String(), " "), true
}

func procTitleVar(c *Config, name, title, configFile string) (string, bool) {
	switch name {
	case "title":
		return title, true
	case "listen-addr":
		if c.Port != 0 || c.TLSPort != 0 {
			addr := "*"
			if len(c.Bind) > 0 {
				addr = c.Bind[0]
			}
			port := c.Port
			if port == 0 {
				port = c.TLSPort
			}
			return fmt.Sprintf("%s:%d", addr, port), true
		}
		return "unixsocket:" + c.UnixSocket, true
	case "server-mode":
		if c.ClusterEnabled {
			return "[cluster]", true
		}
		return "", true
	case "config-file":
		if configFile == "" {
			return "-", true
		}
		return configFile, true
	case "port":
		return strconv.Itoa(c.Port), true
	case "tls-port":
		return strconv.Itoa(c.TLSPort), true
	case "unixsocket":
		return c.UnixSocket, true
	}
	return "", false
}

// validActiveDefrag refuses to turn active defragmentation on, as a Redis
// built without its own jemalloc does (Debian's, for one): keygrid's Go heap
// cannot be defragmented that way.
func validActiveDefrag(on bool) string {
	if on {
		return "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
	}
	return ""
}

func validShutdownFlags(f ShutdownFlags) string {
	if f&ShutdownSave != 0 && f&ShutdownNoSave != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}
