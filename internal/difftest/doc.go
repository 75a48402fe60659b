// Package difftest is the differential test harness: scripted command sequences
// are sent to a real redis-server and to keygrid, and their replies are compared
// byte for byte (or by a looser rule a script asks for).
//
// The flow:
//
//	sc, err := difftest.LoadScript("testdata/strings.txt") // parse: commands and !directives
//	difftest.Run(t, sc,                                     // FLUSHALL both, fresh connections,
//		difftest.Side{Name: "redis", Addr: ref.Addr()},     // then step by step: send to both,
//		difftest.Side{Name: "keygrid", Addr: got.Addr()},   // compare, t.Errorf per mismatch
//		difftest.Options{})
//
// TestDifferential runs every testdata/*.txt this way, each script against its own
// pair of servers. The script format is documented in testdata/README.md; new
// features add scripts there, and new directives in script.go (parsing) and
// run.go (execution).
//
// TestRandom (random_test.go) is the randomized counterpart: random sequences of data
// commands, generated from a seed, sent to both servers and compared; see its file
// comment for what it compares and how to run long runs (RANDDIFF_SEED, RANDDIFF_SEEDS,
// RANDDIFF_STEPS).
//
// TestDocsFuzz (docsfuzz_test.go) is its breadth-first sibling: calls generated
// from redis-server's COMMAND DOCS for every command and subcommand, some broken on
// purpose, compared the same way (DOCSFUZZ_SEED, DOCSFUZZ_STEPS).
//
// Environment:
//
//	DIFFTEST_AGAINST=redis      both sides are redis-server: validates the scripts themselves
//	DIFFTEST_AGAINST=host:port  the side under test is an already running server (scripts run one at a time)
//	DIFFTEST_RUN=glob           only scripts whose name (without .txt) matches, e.g. DIFFTEST_RUN='str*'
//	DIFFTEST_TRACE=1            log every step with redis-server's reply (use with go test -v)
package difftest
