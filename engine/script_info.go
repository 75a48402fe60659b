package engine

// Scripting's INFO fields (memory: used_memory_lua, number_of_cached_scripts, ...)
// and its wiring into the server's hooks.

import (
	"strconv"
	"strings"
)

// initScripting registers scripting's hooks (New calls it).
func (s *Server) initScripting() {
	s.infoHooks = append(s.infoHooks, s.scriptingInfo)
	s.functionLibraries = s.functionLibraryCodes
	s.loadFunctionLibrary = s.loadFunctionLibraryCode
	// Over maxmemory, a script's declared flags decide instead of EVAL's and FCALL's
	// own (Redis's evalGetCommandFlags / fcallGetCommandFlags).
	prev := s.evict.oomReject
	s.evict.oomReject = func(c *Client, cmd *Command, denyoom bool) bool {
		if f, ok := s.scriptCommandFlags(c, cmd); ok {
			denyoom = f&scriptEvalCompat == 0 && f&(scriptAllowOOM|scriptNoWrites) == 0
		}
		if prev != nil {
			return prev(c, cmd, denyoom)
		}
		return denyoom
	}
}

// scriptCommandFlags returns the flags of the script or function an EVAL-like or
// FCALL-like command would run, ok false for other commands or when it is unknown.
func (s *Server) scriptCommandFlags(c *Client, cmd *Command) (scriptFlags, bool) {
	if cmd.Cats&CatScripting == 0 || len(c.argv) < 2 {
		return 0, false
	}
	switch cmd.Name {
	case "eval", "eval_ro":
		if sc := s.script.scripts[sha1hex(c.argv[1])]; sc != nil {
			return sc.flags, true
		}
		f, _, errMsg := parseShebang(c.argv[1])
		return f, errMsg == ""
	case "evalsha", "evalsha_ro":
		if len(c.argv[1]) != 40 {
			return 0, false
		}
		if sc := s.script.scripts[strings.ToLower(string(c.argv[1]))]; sc != nil {
			return sc.flags, true
		}
	case "fcall", "fcall_ro":
		if f := s.lookupFunction(c.argv[1]); f != nil {
			return f.flags, true
		}
	}
	return 0, false
}

func (s *Server) scriptingInfo(section string, sec *InfoSection) {
	if section != "memory" {
		return
	}
	var luaMem, nScripts, evalMem int64 = 32768, 0, 0
	if e := s.script.eval; e != nil {
		luaMem = e.memory()
		nScripts = int64(len(s.script.scripts))
		evalMem = s.script.scriptsMem
	}
	fnMem := s.functionsMemory()
	vmFn := int64(33792)
	if f := s.script.fn.env; f != nil {
		vmFn = f.memory()
	}
	sec.Set("used_memory_lua", strconv.FormatInt(luaMem, 10))
	sec.Set("used_memory_vm_eval", strconv.FormatInt(luaMem, 10))
	sec.Set("used_memory_lua_human", bytesToHuman(uint64(luaMem)))
	sec.Set("used_memory_scripts_eval", strconv.FormatInt(evalMem, 10))
	sec.Set("number_of_cached_scripts", strconv.FormatInt(nScripts, 10))
	sec.Set("number_of_functions", strconv.Itoa(s.numFunctions()))
	sec.Set("number_of_libraries", strconv.Itoa(len(s.script.fn.libs)))
	sec.Set("used_memory_vm_functions", strconv.FormatInt(vmFn, 10))
	sec.Set("used_memory_vm_total", strconv.FormatInt(luaMem+vmFn, 10))
	sec.Set("used_memory_vm_total_human", bytesToHuman(uint64(luaMem+vmFn)))
	sec.Set("used_memory_functions", strconv.FormatInt(fnMem, 10))
	sec.Set("used_memory_scripts", strconv.FormatInt(evalMem+fnMem, 10))
	sec.Set("used_memory_scripts_human", bytesToHuman(uint64(evalMem+fnMem)))
}
