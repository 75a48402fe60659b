package engine

// MODULE: keygrid loads no C modules (Redis modules are shared objects built against
// redis-server's in-process API), so MODULE LIST is always empty and MODULE LOAD /
// LOADEX fail as Redis's do for a library that doesn't load. The command exists so
// that clients and tools that probe it (go-redis, redis-cli, the Tcl suite) get
// Redis's replies and errors, including the enable-module-command gate.

import "os"

var moduleCommands = []*Command{
	{Name: "module", Arity: -2,
		Group: "server", Since: "4.0.0", Complexity: "Depends on subcommand.",
		Summary: "A container for module commands",
		Subs: []*Command{
			{Name: "unload", Arity: 3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagNoScript,
				Group: "server", Since: "4.0.0", Complexity: "O(1)",
				Summary: "Unload a module",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "name", Type: "string"},
				}},
				Proc: moduleUnloadCommand},
			{Name: "load", Arity: -3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagNoScript,
				Group: "server", Since: "4.0.0", Complexity: "O(1)",
				Summary: "Load a module",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "path", Type: "string"},
					{Name: "arg", Type: "string", Optional: true, Multiple: true},
				}},
				Proc: moduleLoadCommand},
			{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
				Group: "server", Since: "5.0.0", Complexity: "O(1)",
				Summary: "Show helpful text about the different subcommands",
				Proc:    moduleHelpCommand},
			{Name: "list", Arity: 2, Flags: FlagAdmin | FlagNoScript,
				Group: "server", Since: "4.0.0", Complexity: "O(N) where N is the number of loaded modules.",
				Summary: "List all modules loaded by the server",
				Tips:    []string{"nondeterministic_output_order"},
				Proc:    moduleListCommand},
			{Name: "loadex", Arity: -3, Flags: FlagNoAsyncLoading | FlagAdmin | FlagNoScript,
				Group: "server", Since: "7.0.0", Complexity: "O(1)",
				Summary: "Load a module with extended parameters",
				Doc: &CmdDoc{Args: []Arg{
					{Name: "path", Type: "string"},
					{Name: "configs", Type: "block", Token: "CONFIG", Multiple: true, MultipleToken: true, Optional: true, Args: []Arg{
						{Name: "name", Type: "string"},
						{Name: "value", Type: "string"},
					}},
					{Name: "args", Type: "block", Token: "ARGS", Multiple: true, Optional: true, Args: []Arg{
						{Name: "arg", Type: "string"},
					}},
				}},
				Proc: moduleLoadCommand},
		}},
}

// moduleAllowed is the enable-module-command gate Redis applies to the protected
// MODULE subcommands (LOAD, LOADEX, UNLOAD) before running them.
func moduleAllowed(c *Client) bool {
	if allowProtected(c.srv.cfg.EnableModuleCommand, c) {
		return true
	}
	c.ReplyError("ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
	return false
}

func moduleHelpCommand(c *Client) {
	c.replyHelp([]string{
		"LIST",
		"    Return a list of loaded modules.",
		"LOAD <path> [<arg> ...]",
		"    Load a module library from <path>, passing to it any optional arguments.",
		"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
		"    Load a module library from <path>, while passing it module configurations and optional arguments.",
		"UNLOAD <name>",
		"    Unload a module.",
	})
}

// MODULE LIST: no module is ever loaded.
func moduleListCommand(c *Client) { c.ReplyArray(0) }

// MODULE LOAD path [arg ...], MODULE LOADEX path [CONFIG name value ...] [ARGS ...]
func moduleLoadCommand(c *Client) {
	if !moduleAllowed(c) {
		return
	}
	// moduleLoad's log line.
	c.srv.log.Warn("Module " + string(c.argv[2]) + " failed to load: " + moduleLoadError(string(c.argv[2])))
	c.ReplyError("ERR Error loading the extension. Please check the server logs.")
}

// moduleLoadError is the reason moduleLoad logs for path: dlopen's (dlerror's
// words) for a file that is not there, else that keygrid loads no module.
func moduleLoadError(path string) string {
	if _, err := os.Stat(path); err != nil {
		return path + ": cannot open shared object file: No such file or directory"
	}
	return "keygrid does not load Redis modules"
}

// MODULE UNLOAD name
func moduleUnloadCommand(c *Client) {
	if !moduleAllowed(c) {
		return
	}
	c.ReplyError("ERR Error unloading module: no such module with that name")
}
