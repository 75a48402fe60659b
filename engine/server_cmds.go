package engine

// Server commands that fit no family of their own: TIME, LASTSAVE, SLOWLOG, LATENCY,
// MONITOR and SHUTDOWN (Redis's server.c, slowlog.c, latency.c), and the helpers
// every container command shares (HELP replies, subcommand syntax errors).
// CONFIG, COMMAND, INFO, CLIENT, DEBUG and MEMORY have their own files.

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

var serverCommands = []*Command{
	{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast,
		Group: "server", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Return the current server time",
		Tips:    []string{"nondeterministic_output"},
		Proc:    timeCommand},
	{Name: "lastsave", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Cats: CatAdmin | CatDangerous,
		Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Get the UNIX time stamp of the last successful save to disk",
		Tips:    []string{"nondeterministic_output"},
		Proc:    lastsaveCommand},
	{Name: "slowlog", Arity: -2,
		Group: "server", Since: "2.2.12", Complexity: "Depends on subcommand.",
		Summary: "A container for slow log commands",
		Subs: []*Command{
			{Name: "get", Arity: -2, Flags: FlagAdmin | FlagLoading | FlagStale,
				Group: "server", Since: "2.2.12", Complexity: "O(N) where N is the number of entries returned",
				Summary: "Get the slow log's entries",
				Tips:    []string{"request_policy:all_nodes", "nondeterministic_output"},
				Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Added client IP address, port and name to the reply."}}, Args: []Arg{
					{Name: "count", Type: "integer", Optional: true},
				}},
				Proc: slowlogGetCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "server", Since: "6.2.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    slowlogHelpCommand},
			{Name: "len", Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale,
				Group: "server", Since: "2.2.12", Complexity: "O(1)",
				Summary: "Get the slow log's length",
				Tips:    []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"},
				Proc:    slowlogLenCommand},
			{Name: "reset", Arity: 2, Flags: FlagAdmin | FlagLoading | FlagStale,
				Group: "server", Since: "2.2.12", Complexity: "O(N) where N is the number of entries in the slowlog",
				Summary: "Clear all entries from the slow log",
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Proc:    slowlogResetCommand},
		},
	},
	{Name: "latency", Arity: -2,
		Group: "server", Since: "2.8.13", Complexity: "Depends on subcommand.",
		Summary: "A container for latency diagnostics commands",
		Subs: []*Command{
			{Name: "doctor", Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Return a human readable latency analysis report.",
				Tips:    []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"},
				Proc:    latencyDoctorCommand},
			{Name: "graph", Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Return a latency graph for the event.",
				Tips:    []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "event", Type: "string"},
				}},
				Proc: latencyGraphCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands.",
				Proc:    latencyHelpCommand},
			{Name: "histogram", Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "7.0.0", Complexity: "O(N) where N is the number of commands with latency information being retrieved.",
				Summary: "Return the cumulative distribution of latencies of a subset of commands or all.",
				Tips:    []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "command", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: latencyHistogramCommand},
			{Name: "history", Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Return timestamp-latency samples for the event.",
				Tips:    []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "event", Type: "string"},
				}},
				Proc: latencyHistoryCommand},
			{Name: "latest", Arity: 2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Return the latest latency samples for all events.",
				Tips:    []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"},
				Proc:    latencyLatestCommand},
			{Name: "reset", Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
				Group: "server", Since: "2.8.13", Complexity: "O(1)",
				Summary: "Reset latency data for one or more events.",
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Doc: &CmdDoc{Args: []Arg{
					{Name: "event", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: latencyResetCommand},
		},
	},
	{Name: "monitor", Arity: 1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		Group: "server", Since: "1.0.0",
		Summary: "Listen for all requests received by the server in real time",
		Proc:    monitorCommand},
	{Name: "shutdown", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagNoMulti | FlagAllowBusy | FlagSentinel,
		Group: "server", Since: "1.0.0", Complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
		Summary: "Synchronously save the dataset to disk and then shut down the server",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}}, Args: []Arg{
			{Name: "nosave_save", Type: "oneof", Optional: true, Args: []Arg{
				{Name: "nosave", Type: "pure-token", Token: "NOSAVE"},
				{Name: "save", Type: "pure-token", Token: "SAVE"},
			}},
			{Name: "now", Type: "pure-token", Token: "NOW", Since: "7.0.0", Optional: true},
			{Name: "force", Type: "pure-token", Token: "FORCE", Since: "7.0.0", Optional: true},
			{Name: "abort", Type: "pure-token", Token: "ABORT", Since: "7.0.0", Optional: true},
		}},
		Proc: shutdownCommand},
}

// --- helpers shared by the container commands ------------------------------------------

// replyHelp replies a HELP text as Redis's addReplyHelp: a header naming the command,
// the lines, then the HELP entry, each a simple string.
func (c *Client) replyHelp(lines []string) {
	c.ReplyArray(len(lines) + 3)
	c.ReplySimple(strings.ToUpper(string(c.argv[0])) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.ReplySimple(l)
	}
	c.ReplySimple("HELP")
	c.ReplySimple("    Prints this help.")
}

// replySubcommandSyntaxError is Redis's addReplySubcommandSyntaxError, for a known
// subcommand called with arguments it does not take.
func (c *Client) replySubcommandSyntaxError() {
	c.ReplyError("ERR unknown subcommand or wrong number of arguments for '" +
		truncate(sanitize(string(c.argv[1])), 128) + "'. Try " + strings.ToUpper(string(c.argv[0])) + " HELP.")
}

// --- TIME, LASTSAVE, MONITOR, SHUTDOWN ---------------------------------------------------

// TIME
func timeCommand(c *Client) {
	now := time.Now()
	c.ReplyArray(2)
	c.ReplyBulkInt(now.Unix())
	c.ReplyBulkInt(int64(now.Nanosecond() / 1000))
}

// LASTSAVE
func lastsaveCommand(c *Client) { c.ReplyInt(c.srv.lastSave) }

// MONITOR
func monitorCommand(c *Client) {
	if c.blockingDenied() {
		// Inside MULTI/EXEC or a script the client expects one reply per command.
		c.ReplyError("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return
	}
	if c.flags&flagMonitor != 0 {
		return // already monitoring: ignored, no reply, as in Redis
	}
	if x := c.srv.clientExtra(c); x.Type != "" {
		return // replicas and masters cannot become monitors
	}
	c.srv.addMonitor(c)
	c.ReplyOK()
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
func shutdownCommand(c *Client) {
	var nosave, save, now, force, abort bool
	for _, a := range c.argv[1:] {
		switch {
		case eqFold(a, "nosave"):
			nosave = true
		case eqFold(a, "save"):
			save = true
		case eqFold(a, "now"):
			now = true
		case eqFold(a, "force"):
			force = true
		case eqFold(a, "abort"):
			abort = true
		default:
			c.ReplyError(ErrSyntax)
			return
		}
	}
	if abort && (nosave || save || now || force) || nosave && save {
		c.ReplyError(ErrSyntax)
		return
	}
	if abort {
		// Only a shutdown waiting for its replicas can be aborted (repl_shutdown.go).
		if c.srv.replShutdownAbort() {
			c.ReplyOK()
		} else {
			c.ReplyError("ERR No shutdown in progress.")
		}
		return
	}
	if !now && c.blockingDenied() {
		c.ReplyError("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client")
		return
	}
	s := c.srv
	if !now && s.replShutdownWait(c, nosave, save, force) {
		return // blocked until the replicas caught up (repl_shutdown.go)
	}
	if !s.repl.shutdown.active { // else replShutdownWait said it when the wait began
		s.shutdownRequested()
	}
	if err := s.prepareShutdownAndStop(nosave, save); err != nil {
		if !force {
			s.log.Warn("SHUTDOWN failed: " + err.Error())
			c.ReplyError("ERR Errors trying to SHUTDOWN. Check logs.")
			return
		}
		// FORCE: exit even though saving failed; the hooks still flush what they can.
		s.prepareShutdownAndStop(true, false)
	}
	// No reply: the connection closes when the server stops.
}

// --- SLOWLOG ---------------------------------------------------------------------------

// SLOWLOG GET [count]
func slowlogGetCommand(c *Client) {
	if len(c.argv) > 3 {
		c.replySubcommandSyntaxError()
		return
	}
	entries := c.srv.slowlog.entries
	count := int64(10)
	if len(c.argv) == 3 {
		n, ok := parseInt(c.argv[2])
		if !ok || n < -1 {
			c.ReplyError("ERR count should be greater than or equal to -1")
			return
		}
		count = n
		if n == -1 {
			count = int64(len(entries))
		}
	}
	n := int(min(count, int64(len(entries))))
	c.ReplyArray(n)
	for i := len(entries) - 1; i >= len(entries)-n; i-- {
		e := &entries[i]
		c.ReplyArray(6)
		c.ReplyInt(e.id)
		c.ReplyInt(e.time)
		c.ReplyInt(e.duration)
		c.ReplyBulks(e.argv)
		c.ReplyBulkString(e.addr)
		c.ReplyBulkString(e.name)
	}
}

// SLOWLOG LEN
func slowlogLenCommand(c *Client) { c.ReplyInt(int64(len(c.srv.slowlog.entries))) }

// SLOWLOG RESET
func slowlogResetCommand(c *Client) {
	c.srv.slowlog.entries = nil
	c.ReplyOK()
}

// SLOWLOG HELP
func slowlogHelpCommand(c *Client) {
	c.replyHelp([]string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}

// --- LATENCY ---------------------------------------------------------------------------

// latencyEvents returns the event names in a stable order.
func (s *Server) latencyEvents() []string {
	names := make([]string, 0, len(s.latency))
	for name := range s.latency {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// LATEST
func latencyLatestCommand(c *Client) {
	s := c.srv
	names := s.latencyEvents()
	c.ReplyArray(len(names))
	for _, name := range names {
		ls := s.latency[name]
		last := ls.samples[len(ls.samples)-1]
		c.ReplyArray(4)
		c.ReplyBulkString(name)
		c.ReplyInt(last.time)
		c.ReplyInt(last.value)
		c.ReplyInt(ls.max)
	}
}

// LATENCY HISTORY event
func latencyHistoryCommand(c *Client) {
	ls := c.srv.latency[string(c.argv[2])]
	if ls == nil {
		c.ReplyArray(0)
		return
	}
	c.ReplyArray(len(ls.samples))
	for _, sm := range ls.samples {
		c.ReplyArray(2)
		c.ReplyInt(sm.time)
		c.ReplyInt(sm.value)
	}
}

// LATENCY RESET [event ...]
func latencyResetCommand(c *Client) {
	s := c.srv
	n := 0
	if len(c.argv) == 2 {
		n = len(s.latency)
		clear(s.latency)
	} else {
		for _, a := range c.argv[2:] {
			if _, ok := s.latency[string(a)]; ok {
				delete(s.latency, string(a))
				n++
			}
		}
	}
	c.ReplyInt(int64(n))
}

// LATENCY GRAPH event
func latencyGraphCommand(c *Client) {
	event := string(c.argv[2])
	ls := c.srv.latency[event]
	if ls == nil {
		c.ReplyError("ERR No samples available for event '" + event + "'")
		return
	}
	c.ReplyVerbatim(latencyGraph(event, ls, time.Now().Unix()))
}

// Sizes of Redis's latency sparkline (LATENCY_GRAPH_COLS, rows per graph).
const (
	latencyGraphCols = 80
	latencyGraphRows = 4
)

// latencyGraph draws an event's samples as Redis's latencyCommandGenSparkeline does:
// a header, a rule, then a filled sparkline 4 rows high, each column labelled
// vertically with how long ago its sample was taken.
func latencyGraph(event string, ls *latencySeries, now int64) string {
	var lo, hi int64
	values := make([]float64, len(ls.samples))
	labels := make([]string, len(ls.samples))
	for i, sm := range ls.samples {
		if i == 0 || sm.value < lo {
			lo = sm.value
		}
		if i == 0 || sm.value > hi {
			hi = sm.value
		}
		values[i] = float64(sm.value)
		elapsed := now - sm.time
		switch {
		case elapsed < 60:
			labels[i] = strconv.FormatInt(elapsed, 10) + "s"
		case elapsed < 3600:
			labels[i] = strconv.FormatInt(elapsed/60, 10) + "m"
		case elapsed < 3600*24:
			labels[i] = strconv.FormatInt(elapsed/3600, 10) + "h"
		default:
			labels[i] = strconv.FormatInt(elapsed/(3600*24), 10) + "d"
		}
	}
	var b strings.Builder
	b.WriteString(event + " - high " + itoa(hi) + " ms, low " + itoa(lo) + " ms (all time high " + itoa(ls.max) + " ms)\n")
	b.WriteString(strings.Repeat("-", latencyGraphCols) + "\n")
	for j := 0; j < len(values); j += latencyGraphCols {
		if j != 0 {
			b.WriteByte('\n')
		}
		end := min(j+latencyGraphCols, len(values))
		sparkline(&b, values[j:end], labels[j:end], float64(lo), float64(hi), latencyGraphRows)
	}
	return b.String()
}

// sparkline renders values as Redis's sparklineRenderRange with SPARKLINE_FILL: each
// row shows one third of a cell's height with "_o#", full cells below as '|', then a
// blank row and the labels written downwards, one character per row.
func sparkline(b *strings.Builder, values []float64, labels []string, lo, hi float64, rows int) {
	const fill = "_o#"
	relmax := hi - lo
	if relmax == 0 {
		relmax = 1
	}
	steps := len(fill) * rows
	line := make([]byte, len(values))
	for row := 0; ; row++ {
		more := false
		for j := range line {
			line[j] = ' '
			step := int(float64(int((values[j]-lo)*float64(steps))) / relmax)
			step = max(0, min(step, steps-1))
			if row < rows {
				more = true
				idx := step - (rows-row-1)*len(fill)
				switch {
				case idx >= 0 && idx < len(fill):
					line[j] = fill[idx]
				case idx >= len(fill):
					line[j] = '|'
				}
			} else if row == rows {
				more = true // one blank row between the graph and the labels
			} else if k := row - rows - 1; k < len(labels[j]) {
				more = true
				line[j] = labels[j][k]
			}
		}
		if !more {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}

// LATENCY DOCTOR
func latencyDoctorCommand(c *Client) { c.ReplyVerbatim(c.srv.latencyReport()) }

// latencyReport is LATENCY DOCTOR's text, after Redis's createLatencyReport, for the
// events keygrid records (command, fast-command and the events other parts add).
func (s *Server) latencyReport() string {
	if len(s.latency) == 0 && s.cfg.LatencyMonitorThreshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	var adviseSlowlogEnabled, adviseSlowlogTuning, adviseSlowlogInspect, adviseLargeObjects, adviseScheduler bool
	advices := 0
	for i, name := range s.latencyEvents() {
		ls := s.latency[name]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		avg, mad, period := latencyStats(ls, time.Now().Unix())
		b.WriteString(strconv.Itoa(i+1) + ". " + name + ": " + strconv.Itoa(len(ls.samples)) +
			" latency spikes (average " + itoa(avg) + "ms, mean deviation " + itoa(mad) +
			"ms, period " + strconv.FormatFloat(period/float64(len(ls.samples)), 'f', 2, 64) +
			" sec). Worst all time event " + itoa(ls.max) + "ms.")
		switch name {
		case "command":
			if s.cfg.SlowlogLogSlowerThan < 0 || s.cfg.SlowlogMaxLen == 0 {
				adviseSlowlogEnabled = true
				advices++
			} else if s.cfg.SlowlogLogSlowerThan/1000 > s.cfg.LatencyMonitorThreshold {
				adviseSlowlogTuning = true
				advices++
			}
			adviseSlowlogInspect, adviseLargeObjects = true, true
			advices += 2
		case "fast-command":
			adviseScheduler = true
			advices++
		}
		b.WriteByte('\n')
	}
	events := len(s.latency)
	switch {
	case events == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case events > 0 && advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		threshold := strconv.FormatInt(s.cfg.LatencyMonitorThreshold*1000, 10)
		if adviseSlowlogEnabled {
			b.WriteString("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than " + threshold + "'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n")
		}
		if adviseSlowlogTuning {
			b.WriteString("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " + threshold + "'.\n")
		}
		if adviseSlowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if adviseScheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if adviseLargeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
	}
	return b.String()
}

// latencyStats is Redis's analyzeLatencyForEvent: the average of the samples, their
// mean absolute deviation, and the seconds since the oldest sample (at least 1).
func latencyStats(ls *latencySeries, now int64) (avg, mad int64, period float64) {
	n := int64(len(ls.samples))
	if n == 0 {
		return 0, 0, 0
	}
	var sum int64
	oldest := ls.samples[0].time
	for _, sm := range ls.samples {
		sum += sm.value
		oldest = min(oldest, sm.time)
	}
	avg = sum / n
	var dev int64
	for _, sm := range ls.samples {
		d := avg - sm.value
		if d < 0 {
			d = -d
		}
		dev += d
	}
	mad = dev / n
	period = float64(now - oldest)
	if period == 0 {
		period = 1
	}
	return avg, mad, period
}

// LATENCY HISTOGRAM [command ...]
func latencyHistogramCommand(c *Client) {
	t := c.srv.commands
	var cmds []*Command
	if len(c.argv) == 2 {
		cmds = t.all
	} else {
		// A container named brings its subcommands; unknown names are skipped.
		for _, a := range c.argv[2:] {
			if cmd := t.lookupFullName(string(a)); cmd != nil {
				cmds = append(cmds, cmd)
				cmds = append(cmds, cmd.Subs...)
			}
		}
	}
	n := 0
	for _, cmd := range cmds {
		if cmd.latency != nil {
			n++
		}
	}
	c.ReplyMap(n)
	for _, cmd := range cmds {
		h := cmd.latency
		if h == nil {
			continue
		}
		c.ReplyBulkString(cmd.Name)
		c.ReplyMap(2)
		c.ReplyBulkString("calls")
		c.ReplyInt(h.total)
		c.ReplyBulkString("histogram_usec")
		cdf := h.cdf()
		c.ReplyMap(len(cdf))
		for _, p := range cdf {
			c.ReplyInt(p[0])
			c.ReplyInt(p[1])
		}
	}
}

// LATENCY HELP
func latencyHelpCommand(c *Client) {
	c.replyHelp([]string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}
