package engine

// Library functions' argument errors as Lua 5.1 words them, and their
// results, compared with redis-server 7.0.15 over a generated table: every
// function of the libraries Redis loads, called with a set of argument lists,
// directly (the error names the field and carries the position), through
// pcall (no name: "?"), through a local (named after it) and, for the string
// library, as a method ("calling 'x' on bad self", arguments numbered
// without self).

import (
	"strings"
	"testing"
)

// argErrFuncs are the functions swept; the second list's results vary from
// one server to the other (memory sizes, random numbers), so only their type
// is compared.
var (
	argErrFuncs = []string{
		"assert", "getmetatable", "ipairs", "loadstring", "next", "pairs", "rawequal",
		"rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack",
		"error", "pcall", "xpcall",
		"string.byte", "string.char", "string.find", "string.gmatch", "string.gsub", "string.len",
		"string.lower", "string.match", "string.rep", "string.reverse", "string.sub", "string.upper",
		"string.format", "string.dump",
		"table.concat", "table.insert", "table.maxn", "table.remove", "table.sort", "table.getn",
		"table.setn", "table.foreach", "table.foreachi",
		"math.abs", "math.acos", "math.asin", "math.atan", "math.atan2", "math.ceil", "math.cos",
		"math.cosh", "math.deg", "math.exp", "math.floor", "math.fmod", "math.frexp", "math.ldexp",
		"math.log", "math.log10", "math.max", "math.min", "math.modf", "math.pow", "math.rad",
		"math.sin", "math.sinh", "math.sqrt", "math.tan", "math.tanh", "math.mod",
		"coroutine.create", "coroutine.resume", "coroutine.status", "coroutine.wrap",
		"coroutine.running", "coroutine.yield",
	}
	argErrVaryingFuncs = []string{"collectgarbage", "gcinfo", "math.random", "math.randomseed"}
	argErrArgs         = []string{
		"", "nil", "nil, nil", "{}", "true", "type", "'a'", "'12'", "12", "-1", "'0x10'", "' 7 '",
		"'x', nil", "'x', {}", "'x', 'y'", "'x', '2'", "'x', 2, {}", "'x', 1, 2", "{}, {}", "{}, 'x'",
		"{}, 1, 2", "{1, 2}, 1", "1, 2", "1, 'y'", "'abc', 2, 'z'", "2, '%d'", "'a', 1, 2, 3",
		"{'a', 'b'}, ', '", "{'a', {}}, ''", "{3, 1, 2}, type",
	}
)

// argErrNorm turns results into comparable strings (the count first; tables,
// functions and threads by type, as their addresses differ).
const argErrNorm = "local function norm(...) local r = {tostring(select('#', ...))} " +
	"for i = 1, select('#', ...) do local v = select(i, ...) local t = type(v) " +
	"if t == 'table' or t == 'function' or t == 'thread' or t == 'userdata' then r[#r+1] = t " +
	"else r[#r+1] = (string.gsub(tostring(v), '0x%x+', 'ADDR')) end end return r end "

func argErrScripts() []string {
	var scripts []string
	for _, f := range argErrFuncs {
		short := f[strings.LastIndexByte(f, '.')+1:]
		for _, a := range argErrArgs {
			scripts = append(scripts, argErrNorm+"return norm(pcall("+f+strings.TrimSuffix(", "+a, ", ")+"))")
			if f == "error" {
				// redis-server 7.0.15 crashes when a script raises an error
				// object without "err" (a table), so error is called
				// through pcall only.
				continue
			}
			scripts = append(scripts,
				argErrNorm+"return norm("+f+"("+a+"))",
				argErrNorm+"local "+short+"_ = "+f+" return norm("+short+"_("+a+"))")
			if strings.HasPrefix(f, "string.") {
				scripts = append(scripts, argErrNorm+"return norm(('abc'):"+short+"("+a+"))",
					argErrNorm+"local s = 12 return norm(s:"+short+"("+a+"))")
			}
		}
	}
	for _, f := range argErrVaryingFuncs {
		for _, a := range argErrArgs {
			scripts = append(scripts, "local ok, e = pcall("+f+strings.TrimSuffix(", "+a, ", ")+") "+
				"return {tostring(ok), type(e) == 'string' and e or type(e)}",
				"return type("+f+"("+a+"))")
		}
	}
	return scripts
}

func TestScriptLibArgErrorsDiffRedis(t *testing.T) {
	scripts := argErrScripts()
	rc, kc := redisAndKeygrid(t)
	differ := 0
	for _, src := range scripts {
		want, err := rc.Do("EVAL", src, "0")
		if err != nil {
			t.Fatalf("EVAL %q: %v", src, err)
		}
		got, err := kc.Do("EVAL", src, "0")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			differ++
			t.Errorf("EVAL %q\n redis   %q\n keygrid %q", strings.TrimPrefix(src, argErrNorm), want, got)
		}
	}
	t.Logf("%d calls: %d replies differ", len(scripts), differ)
}
