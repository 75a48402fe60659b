// Package config is keygrid's server configuration: every redis.conf
// directive Redis 7.0 knows, plus keygrid's own, as typed fields of Config,
// with Redis's defaults, file and command-line syntax, and the semantics of
// CONFIG GET, CONFIG SET and CONFIG REWRITE down to the error strings.
//
// The main flow:
//
//	c, err := config.Load(path, args) // Default(), then the file, then "--name value" args
//	var le *config.LoadError          // names file, line and directive
//	if errors.As(err, &le) {
//		fmt.Fprint(os.Stderr, le.Report()) // redis-server's FATAL CONFIG FILE ERROR banner
//	}
//	// then, on the engine's loop:
//	pairs := c.Get(patterns)              // CONFIG GET pattern...
//	changed, err := c.SetWith(pairs, opt) // CONFIG SET name value...; act on changed
//	err = c.Rewrite(path)                 // CONFIG REWRITE
//
// Every directive is one entry in the table in directives.go: its name and
// alias, kind of value, flags (immutable, protected, sensitive, hidden,
// multi-argument, deny-loading), bounds or words, default, and the field it
// lives in. Load, Get, Set, Rewrite, Validate and Default all walk that
// table; nothing else lists directives.
//
// Files:
//
//	config.go      Config, Default, Clone, Validate
//	directives.go  the directive table, Lookup, Directives
//	spec.go        the spec type and one constructor per kind of value
//	special.go     directives with their own syntax (save, bind, dir, ...)
//	parse.go       Load, LoadError, SplitArgs, Quote
//	getset.go      Get, Set, SetWith, Match
//	rewrite.go     Rewrite
//
// The package has no mutable global state and starts no goroutines; a Config is
// owned by one goroutine at a time. It imports only the standard library.
package config
