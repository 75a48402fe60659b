package engine

// Lua 5.1's patterns (engine/script_strpat51.go) compared with redis-server
// 7.0.15: string.find, match, gmatch and gsub on frontiers, balances, classes
// over bytes >= 0x80, anchors, captures and back references, the errors of
// malformed patterns (raised when the matcher meets them), gsub's
// replacement strings, tables and functions and its count limit; then
// random subjects, patterns and replacements from small alphabets rich in
// magic characters.

import (
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keygrid/keygrid/internal/testutil"
)

// TestScriptPatternDiffRedis: gopher-lua's pattern matcher differed from Lua
// 5.1's in %f, in the words and timing of malformed-pattern errors, in
// gsub's replacements, and in find's init past 32 bits.
func TestScriptPatternDiffRedis(t *testing.T) {
	evalDiffRedis(t, []string{
		// %f frontiers
		`return {string.gsub('hello world', '%f[%w]%w+', function(w) return w:upper() end)}`,
		`return {string.find('THE (quick) fox', '%f[%a]%a+')}`,
		`return {string.gsub('THE (quick) fox', '%f[%a]', '|')}`,
		`return {string.gsub('THE (quick) fox', '%f[%A]', '|')}`,
		`return {string.find('abc', '%f[%z]')}`,
		`return {string.gsub('ab cd', '%f[^%z]', '.')}`,
		`return {string.gsub('a1b22c', '%f[%d]%d+%f[%D]', '<%0>')}`,
		`return {string.find('aaa', '%f[a]')}`,
		`return {string.find('abc', '%f[]a]')}`,
		`local r = {} for w in string.gmatch('one two  three', '%f[%S]%S+') do r[#r+1] = w end return r`,
		`return {string.find('abc', '%f')}`,
		`return {string.find('abc', '%fa')}`,
		`return {string.find('abc', '%f[')}`,
		`return {pcall(string.find, 'abc', '%f[a')}`,
		// malformed patterns, in Lua 5.1's words, raised when met
		`return {string.find('a[b', '[')}`,
		`return {string.find('abc', '%')}`,
		`return {string.find('abc', '(()')}`,
		`return {string.find('abc', '[a')}`,
		`return {string.find('abc', '[^')}`,
		`return {string.find('abc', '[%')}`,
		`return {string.find('abc', '[]')}`,
		`return {string.find('a]c', '[]]')}`,
		`return {string.find('a]c', '[^]]')}`,
		`return {string.find('abc', '%1')}`,
		`return {string.find('abc', '%0')}`,
		`return {string.find('abc', '(a)%2')}`,
		`return {string.find('abc', '(a%1)')}`,
		`return {string.find('abc', '.)')}`,
		`return {string.find('abc', 'a)')}`,
		`return {string.find('abc', '%b')}`,
		`return {string.find('abc', '%bx')}`,
		`return {string.find('xyz', 'b%')}`,
		`return {string.find('abc', 'b%')}`,
		`return {string.find('xyz', 'b[')}`,
		`return {string.match('abc', '(')}`,
		`return {string.match('abc', '(a')}`,
		`return {string.match('abc', 'a(')}`,
		`return {string.gsub('abc', '(', 'x')}`,
		`return {string.gsub('abc', '%', 'x')}`,
		`return {pcall(string.gmatch, 'abc', '(')}`,
		`return {pcall(string.gmatch, 'abc', '%')}`,
		`local it = string.gmatch('abc', '%') return {pcall(it)}`,
		`local it = string.gmatch('abc', '(') return {pcall(it)}`,
		"local x = 1\nfor w in string.gmatch('abc', '[') do end",
		"local x = 1\nfor w in string.gmatch('abc', '(') do end",
		`return {pcall(string.find, 'abc', '%')}`,
		`return {pcall(function() return string.find('abc', '%') end)}`,
		`return {string.match(string.rep('a', 40), string.rep('(a)', 32))}`,
		`return {string.match(string.rep('a', 40), string.rep('(a)', 33))}`,
		`return {string.match('a', string.rep('()', 33))}`,
		`return {string.find('abc', '%g')}`,
		// gsub's replacement values
		`return {pcall(string.gsub, 'abc', 'b', true)}`,
		`return {string.gsub('abc', 'b', {b = true})}`,
		`return {string.gsub('abc', 'b', function() return true end)}`,
		`return {string.gsub('abc', 'b', function() return {} end)}`,
		`return {string.gsub('abc', 'b', {b = {}})}`,
		`return {string.gsub('abc', 'b', {b = false})}`,
		`return {string.gsub('abc', 'b', function() return false end)}`,
		`return {string.gsub('abc', 'b', function() return nil end)}`,
		`return {string.gsub('abc', 'b', function() end)}`,
		`return {string.gsub('abc', '%w', {a = 1, b = 2.5, c = 1e100})}`,
		`return {string.gsub('abc', '%w', function(c) return c:byte() / 7 end)}`,
		`return {string.gsub('abc', '(b)', {b = 'B'})}`,
		`return {string.gsub('abc', '()b', {[2] = 'X'})}`,
		`return {string.gsub('abc', '()b', {['2'] = 'X'})}`,
		`return {string.gsub('abc', '()(b)()', function(a, b, c) return a .. b .. c end)}`,
		`return {string.gsub('abc', '%w', setmetatable({}, {__index = function(t, k) return k:upper() end}))}`,
		`return {string.gsub('abc', 'b', function() error('in f') end)}`,
		`return {pcall(string.gsub, 'abc', 'b', function() error({}) end)}`,
		`return {string.gsub('abc', 'b', 'x%')}`,
		`return {string.gsub('abc', 'b', '%')}`,
		`return {string.gsub('abc', 'b', '%%')}`,
		`return {string.gsub('abc', 'b', '%x%y%')}`,
		`return {string.gsub('abc', 'b', '%a%%%.')}`,
		`return string.rep('x', 3):gsub('x', '%%%x')`,
		`return {string.gsub('abc', '%w', '%0%0')}`,
		`return {string.gsub('abc', '%w', '%1')}`,
		`return {string.gsub('abc', '%w', '%1%2')}`,
		`return {string.gsub('abc', '(%w)(%w)', '%2%1')}`,
		`return {string.gsub('abc', '(%w)(%w)', '%3')}`,
		`return {string.gsub('abcdefghij', '(a)(b)(c)(d)(e)(f)(g)(h)(i)', '%9%8%7%6%5%4%3%2%1')}`,
		`return {string.gsub('abc', '()b', '[%1]')}`,
		`return {string.gsub('abc', '()b()', '[%2%1]')}`,
		`return {string.gsub('abc', 'b', 'x\0y')}`,
		`return {string.gsub('abc', 'b', 5)}`,
		`return {string.gsub('abc', 'b', 0.5)}`,
		`return {string.gsub('abc', 'b', 1e20)}`,
		`return {string.gsub('abc', '', '-')}`,
		`return {string.gsub('', '', '-')}`,
		`return {string.gsub('abc', '.-', '-')}`,
		`return {string.gsub('abc', 'x*', '-')}`,
		// gsub's count limit
		`return {string.gsub('abcb', 'b', 'x', 1.9)}`,
		`return {string.gsub('abcb', 'b', 'x', -1)}`,
		`return {string.gsub('abcb', 'b', 'x', 0)}`,
		`return {string.gsub('abcb', 'b', 'x', '1')}`,
		`return {string.gsub('abcb', 'b', 'x', ' 0x1 ')}`,
		`return {string.gsub('abcb', 'b', 'x', 2^32 + 1)}`,
		`return {string.gsub('abcb', 'b', 'x', 2^31)}`,
		`return {string.gsub('abcb', 'b', 'x', 0/0)}`,
		`return {string.gsub('abcb', 'b', 'x', 1/0)}`,
		`return {string.gsub('abcb', 'b', 'x', nil)}`,
		`return {pcall(string.gsub, 'abc', 'b', 'x', 'y')}`,
		`return {pcall(string.gsub, 'abc', 'b', 'x', {})}`,
		`return {pcall(string.gsub, 'abc', 'b')}`,
		`return {pcall(string.gsub, 'abc', 'b', nil)}`,
		`return {pcall(string.gsub, 'abc')}`,
		`return string.gsub('a', nil, 'x')`,
		`return ('abc'):gsub({}, 'x')`,
		`return ('abc'):find({})`,
		`return ('abc'):match()`,
		`return {pcall(string.gmatch, 'abc')}`,
		`return {pcall(string.find)}`,
		`return {string.gsub(123, 2, 9)}`,
		`return {string.find(12345, 3.4e1)}`,
		`return {string.match(1/3, '%d+$')}`,
		// %b, %z, classes over bytes >= 0x80 (the C locale)
		`return {string.find('x(a(b)c)y', '%b()')}`,
		`return {string.find('x(a(b)c', '%b()')}`,
		`return {string.gsub('f(a) g(b(c))', '%b()', '')}`,
		`return {string.find('[[x]]', '%b[]')}`,
		`return {string.find('aXbXa', '%bXX')}`,
		`return {string.find('a\0b', '%z')}`,
		`return {string.gsub('a\0b\0', '%z', '0')}`,
		`return {string.gsub('a\0b\0', '%Z', '.')}`,
		`return {string.find('\233abc', '%a')}`,
		`return {string.gsub('\200\233\255a1 ', '%w', 'x')}`,
		`return {string.gsub('\200\233\255a1 ', '%A', 'x')}`,
		`return {string.gsub('\200\233\255a1 ', '%p', 'x')}`,
		`return {string.gsub('\200\233\255a1 \t', '%s', 'x')}`,
		`return {string.gsub('\200\233\255a1\127\31', '%c', 'x')}`,
		`return {string.gsub('\200\233\255aF1g', '%x', 'x')}`,
		`return {string.gsub('\200\233\255aF1g', '%l', 'x')}`,
		`return {string.gsub('\200\233\255aF1g', '%u', 'x')}`,
		`return {string.gsub('\200\233\255a', '[\128-\255]', 'x')}`,
		`return {string.gsub('\200\233\255a', '[^\128-\200]', 'x')}`,
		`return {string.gsub('a-z', '[a-]', 'x')}`,
		`return {string.gsub('a-z%', '[%a-]', 'x')}`,
		`return {string.gsub('a-z%]', '[%]]', 'x')}`,
		`return {string.gsub('a.b', '%.', 'x')}`,
		`return {string.gsub('a.b', '%W', 'x')}`,
		// repetitions, lazy '-', anchors
		`return {string.match('<a><b>', '<(.-)>')}`,
		`return {string.match('<a><b>', '<(.*)>')}`,
		`return {string.match('aaab', 'a-b')}`,
		`return {string.match('aaa', '^a-$')}`,
		`return {string.match('aaa', 'a-')}`,
		`return {string.match('abc', 'a?b?c?d?')}`,
		`return {string.match('abc', '[ab]+')}`,
		`return {string.find('aaa', '^a')}`,
		`return {string.find('baa', '^a')}`,
		`return {string.find('aaa', '^a', 2)}`,
		`return {string.find('a^a', 'a^a')}`,
		`return {string.find('a$a', 'a$a')}`,
		`return {string.find('aa$', 'a$')}`,
		`return {string.find('aa$', '$$')}`,
		`return {string.match('^a', '^a')}`,
		`return {string.match('^a', '^^a')}`,
		`return {string.gsub('aaa', '^a', 'x')}`,
		`return {string.gsub('aaa', '^', 'x')}`,
		`return {string.gsub('aaa', '$', 'x')}`,
		`return {string.gsub('aaa', '^a*', 'x')}`,
		`local r = {} for w in string.gmatch('^a^a', '^a') do r[#r+1] = w end return r`,
		`local r = {} for w in string.gmatch('aaa', '^a') do r[#r+1] = w end return r`,
		`local r = {} for a, b in string.gmatch('k=v, x=y', '(%w+)=(%w+)') do r[#r+1] = a .. b end return r`,
		`local r = {} for p in string.gmatch('abc', '()') do r[#r+1] = p end return r`,
		`local r = {} for p, q in string.gmatch('abc', '()(.)') do r[#r+1] = p r[#r+1] = q end return r`,
		`local r = {} for w in string.gmatch('a,,b,', '([^,]*)') do r[#r+1] = '<' .. w .. '>' end return r`,
		`local r = {} for w in string.gmatch('abc', 'x*') do r[#r+1] = '<' .. w .. '>' end return r`,
		`local it = string.gmatch('ab', '.') return {it(), it(), tostring(it()), tostring(it())}`,
		`return tostring(string.gfind == string.gmatch)`,
		`local r = {} for w in string.gfind('a b', '%a') do r[#r+1] = w end return r`,
		// position captures are numbers
		`return {string.match('abc', '()b()')}`,
		`return {string.find('abc', '()b()')}`,
		`return {type(string.match('abc', '()'))}`,
		`return {string.match('abc', '(()b)')}`,
		`return {string.find('abc', '()b%1')}`,
		// long subjects, deep recursion, backtracking
		`local s = string.rep('a', 10000) return {string.find(s, string.rep('a?', 10000))}`,
		`local s = string.rep('a', 3000) return {string.find(s, '.-b')}`,
		`local s = string.rep('a', 3000) return {string.find(s, '(.*)%1b')}`,
		`local s = string.rep('ab', 5000) return {string.gsub(s, '(a)(b)', '%2%1')}`,
		`local s = string.rep('(', 5000) .. string.rep(')', 5000) return {string.find(s, '%b()')}`,
		// find: specials, the plain flag, init
		`return {string.find('a.b', '.', 1, true)}`,
		`return {string.find('a+b', '+')}`,
		`return {string.find('a)b', ')')}`,
		`return {string.find('a]b', ']')}`,
		`return {string.find('a(b', '(', 1, true)}`,
		`return {string.find('a%b', '%', 1, true)}`,
		`return {string.find('a[b', '[', 1, 1)}`,
		`return {string.find('a.b', '.', 1, 0)}`,
		`return {string.find('a.b', '.', 1, false)}`,
		`return {string.find('a\0(b', 'a\0(')}`,
		`return {string.find('a.c\0x', '.\0z')}`,
		`return {string.find('abc', 'b\0')}`,
		`return {string.match('a\0b', 'a%zb')}`,
		`return {string.gsub('a\0b', '\0', '-')}`,
		`return {string.gsub('a.b', '.\0x', '-')}`,
		`return {string.find('abc', 'b', -1)}`,
		`return {string.find('abc', 'b', -2)}`,
		`return {string.find('abc', 'b', 0)}`,
		`return {string.find('abc', 'b', -10)}`,
		`return {string.find('abc', 'b', 1e10)}`,
		`return {string.find('abc', 'b', 2^32 + 2)}`,
		`return {string.find('abc', 'b', 2^53)}`,
		`return {string.find('abc', 'b', -2^63)}`,
		`return {string.find('abc', 'b', 2^63)}`,
		`return {string.find('abc', 'b', 0/0)}`,
		`return {string.find('abc', 'b', 1.9)}`,
		`return {string.find('abc', 'b', '2')}`,
		`return {string.find('abc', 'b.', 3)}`,
		`return {string.find('abc', '', 2^32 + 2)}`,
		`return {string.find('abc', 'c', -1, true)}`,
		`return {string.find('abc', 'c', 10, true)}`,
		`return {string.find('abc', '', 10, true)}`,
		`return {string.match('abc', '.', -1)}`,
		`return {string.match('abc', '.', 2^32 + 1)}`,
		`return {string.match('abc', '(.)', 0)}`,
		`return {pcall(string.find, 'abc', 'b', 'x')}`,
		`return {pcall(string.find, 'abc', 'b', {})}`,
	})
}

// strPat51Script runs find, match, gsub (a string, a function and a table
// replacement) and gmatch on each (subject, pattern, replacement) triple of
// ARGV, each under pcall, and returns one string per triple describing the
// results.
const strPat51Script = `
local function ser(...)
  local t = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    if type(v) == 'string' then t[#t+1] = 's' .. #v .. ':' .. v
    else t[#t+1] = type(v):sub(1, 1) .. tostring(v) end
  end
  return table.concat(t, ',')
end
local out = {}
for i = 1, #ARGV, 3 do
  local s, p, r = ARGV[i], ARGV[i+1], ARGV[i+2]
  local res = {}
  res[1] = ser(pcall(function() return string.find(s, p) end))
  res[2] = ser(pcall(function() return string.find(s, p, 2) end))
  res[3] = ser(pcall(function() return string.match(s, p) end))
  res[4] = ser(pcall(function() return string.match(s, p, -2) end))
  res[5] = ser(pcall(function() return string.gsub(s, p, r) end))
  res[6] = ser(pcall(function() return string.gsub(s, p, r, 1) end))
  res[7] = ser(pcall(function() return string.gsub(s, p, function(a, b)
    if a == 'a' then return false end
    if b ~= nil then return tostring(a) .. '+' .. tostring(b) end
    return a
  end) end))
  res[8] = ser(pcall(function() return string.gsub(s, p, {a = 'T', b = false, [2] = 7}) end))
  res[9] = ser(pcall(function()
    local acc, k = {}, 0
    for a, b in string.gmatch(s, p) do
      acc[#acc+1] = ser(a, b)
      k = k + 1
      if k > 40 then break end
    end
    return table.concat(acc, ';')
  end))
  out[#out+1] = table.concat(res, '|')
end
return out
`

// strPat51Random returns n random (subject, pattern, replacement) triples.
func strPat51Random(rng *rand.Rand, n int) [][3]string {
	subj := []string{"a", "b", "c", "a", "b", "1", "2", " ", "(", ")", "[", "]", "%", "^", "$", ".", "-", "\x00", "\xe9", "X"}
	pat := []string{"a", "b", "c", "1", " ", "X", "%", "[", "]", "^", "$", "(", ")", ".", "*", "+", "-", "?",
		"%a", "%d", "%w", "%s", "%p", "%A", "%z", "%x", "%%", "%.", "%f[%a]", "%f[^a]", "%f[%w]", "%f[", "%f",
		"%b()", "%b", "%bab", "[a-c]", "[^a]", "[%d]", "[a", "[]", "[^]", "[]]", "()", "%1", "%2", "%0",
		"(a)", "(.)", "(%a+)", ".-", ".*", "a*", "b+", "a?", "\xe9", "[\x80-\xff]", "\x00"}
	repl := []string{"x", "", "%0", "%1", "%2", "%", "%%", "<%1>", "%a", "-", "%9", "\x00"}
	pick := func(set []string, max int) string {
		var b strings.Builder
		for k := rng.Intn(max + 1); k > 0; k-- {
			b.WriteString(set[rng.Intn(len(set))])
		}
		return b.String()
	}
	out := make([][3]string, n)
	for i := range out {
		out[i] = [3]string{pick(subj, 8), pick(pat, 5), pick(repl, 3)}
	}
	return out
}

// TestScriptPatternRandomDiffRedis compares the four functions on random
// triples (a fixed seed, so that a failure repeats). KEYGRID_PATTERN_TRIPLES
// sets how many (default 4000); KEYGRID_PATTERN_SEED the seed.
func TestScriptPatternRandomDiffRedis(t *testing.T) {
	n, seed := 4000, int64(51)
	if v, err := strconv.Atoi(os.Getenv("KEYGRID_PATTERN_TRIPLES")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.ParseInt(os.Getenv("KEYGRID_PATTERN_SEED"), 10, 64); err == nil {
		seed = v
	}
	rc, kc := redisAndKeygrid(t)
	triples := strPat51Random(rand.New(rand.NewSource(seed)), n)
	const batch = 250
	differ := 0
	for at := 0; at < len(triples); at += batch {
		part := triples[at:min(at+batch, len(triples))]
		args := []string{"EVAL", strPat51Script, "0"}
		for _, tr := range part {
			args = append(args, tr[:]...)
		}
		want, err := rc.Do(args...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := kc.Do(args...)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) == string(want) {
			continue
		}
		wv, err1 := testutil.ParseReply(want)
		gv, err2 := testutil.ParseReply(got)
		if err1 != nil || err2 != nil || len(wv.Elems) != len(part) || len(gv.Elems) != len(part) {
			t.Fatalf("batch at %d: redis %.300q\nkeygrid %.300q", at, want, got)
		}
		for i, tr := range part {
			if w, g := wv.Elems[i].Str, gv.Elems[i].Str; w != g {
				differ++
				if differ <= 20 {
					t.Errorf("subject %q pattern %q replacement %q\n redis   %q\n keygrid %q", tr[0], tr[1], tr[2], w, g)
				}
			}
		}
	}
	t.Logf("%d random triples compared (seed %d), %d differ", len(triples), seed, differ)
}

// TestScriptPatternTooComplex: Lua 5.1's matcher recurses once per pattern
// item without a bound, and redis-server dies of a C stack overflow between
// 150000 and 200000 levels; keygrid's stops at 200000 with Lua 5.2's words
// (the Go stack would otherwise grow to its limit and kill the process).
func TestScriptPatternTooComplex(t *testing.T) {
	for _, n := range []int{1000, lua51MaxMatchDepth - 10, lua51MaxMatchDepth + 10} {
		s, p := strings.Repeat("a", n), strings.Repeat("a?", n)
		start, end, err := lua51PatternRun(s, p, 0)
		if n < lua51MaxMatchDepth {
			if err != "" || start != 0 || end != n {
				t.Errorf("%d levels: %d..%d %q, want 0..%d", n, start, end, err, n)
			}
		} else if err != "pattern too complex" {
			t.Errorf("%d levels: %d..%d %q, want \"pattern too complex\"", n, start, end, err)
		}
	}
}

// FuzzLua51Pattern runs the matcher on any subject and pattern: it must
// neither panic (but with a pattern error) nor run without end (a budget of
// steps bounds every run; exhausting it is no failure).
func FuzzLua51Pattern(f *testing.F) {
	for _, s := range [][2]string{
		{"hello world", "%f[%w]%w+"}, {"THE (quick) fox", "%f[%a]%a+"}, {"a[b", "["}, {"abc", "%"},
		{"abc", "(()"}, {"x(a(b)c)y", "%b()"}, {"aaa", "^a-$"}, {"abc", "()b%1"}, {"abc", "(a)%1"},
		{"a\x00b", "%z+"}, {"\xe9a", "[\x80-\xff]%a"}, {"<a><b>", "<(.-)>"}, {"abab", "(ab)*%1$"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, subject, pattern string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			start, end, err := lua51PatternRun(subject, pattern, 1<<20)
			if err == "" && start >= 0 && (start > end || end > len(subject)) {
				t.Errorf("match %d..%d out of the subject (%d bytes)", start, end, len(subject))
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no end matching %q on %q", pattern, subject)
		}
	})
}
