package lualib

// Test harness: run a Lua chunk in gopher-lua with the libraries loaded,
// and turn its results into a canonical text that a Lua 5.1 interpreter
// (redis-server's EVAL) produces identically, so the two can be compared.

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// dumpPrelude defines __dump(...), a serialiser independent of tostring
// (gopher-lua formats numbers differently from Lua's "%.14g"): numbers
// as "%.17g" with nan/inf/-0 spelled out, strings with non-printable bytes
// escaped, tables with their entries sorted, cjson.null as "null".
// (gopher-lua's math.huge is MaxFloat64, not infinity: use 1/0.)
const dumpPrelude = `
local __ser
__ser = function(v, seen)
  local t = type(v)
  if t == 'nil' then return 'nil' end
  if t == 'boolean' then return v and 'true' or 'false' end
  if t == 'number' then
    if v ~= v then return 'nan' end
    if v == 1/0 then return 'inf' end
    if v == -1/0 then return '-inf' end
    if v == 0 and 1/v < 0 then return '-0' end
    return string.format('%.17g', v)
  end
  if t == 'string' then
    return '"' .. string.gsub(v, '.', function(c)
      local b = string.byte(c)
      if b < 32 or b > 126 or c == '\\' or c == '"' then return string.format('\\x%02x', b) end
      return c
    end) .. '"'
  end
  if v == cjson.null then return 'null' end
  if t == 'table' then
    if seen[v] then return '<cycle>' end
    seen[v] = true
    local parts = {}
    for k, x in pairs(v) do parts[#parts+1] = __ser(k, seen) .. '=' .. __ser(x, seen) end
    seen[v] = nil
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  end
  return t
end
local __dump = function(...)
  local n = select('#', ...)
  local out = {}
  for i = 1, n do out[i] = __ser((select(i, ...)), {}) end
  return table.concat(out, ' | ')
end
`

// wrapCase builds the script for one case: body is a chunk that returns
// values; it runs under pcall so errors are compared as values.
func wrapCase(body string) string {
	return dumpPrelude + "return __dump(pcall(function()\n" + body + "\nend))"
}

// newTestState is a gopher-lua state like the scripting engine's: the
// standard libraries plus Redis's, and a registry large enough for Lua
// 5.1's 8000-slot C stack limit.
func newTestState() *lua.LState {
	L := lua.NewState(lua.Options{RegistrySize: 1024, RegistryMaxSize: MinRegistrySize, CallStackSize: 1024})
	OpenAll(L)
	return L
}

// runLocal runs a wrapped case in gopher-lua and returns its dump.
func runLocal(t testing.TB, L *lua.LState, body string) string {
	t.Helper()
	top := L.GetTop()
	// Named like Redis 7.0's chunks so error positions read the same.
	fn, err := L.Load(strings.NewReader(wrapCase(body)), "user_script")
	if err != nil {
		return "script error: " + err.Error()
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return "script error: " + err.Error()
	}
	defer L.SetTop(top)
	return L.Get(-1).String()
}

// evalLocal is runLocal on a fresh state.
func evalLocal(t testing.TB, body string) string {
	t.Helper()
	L := newTestState()
	defer L.Close()
	return runLocal(t, L, body)
}

func TestHarnessSmoke(t *testing.T) {
	got := evalLocal(t, `return 1, 'a\0', nil, 0/0, -tonumber('0'), {1, x=2}`)
	want := `true | 1 | "a\x00" | nil | nan | -0 | {"x"=2,1=1}`
	if !strings.EqualFold(got, want) {
		t.Fatalf("got %s want %s", got, want)
	}
}
