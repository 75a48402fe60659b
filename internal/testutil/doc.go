// Package testutil holds helpers for integration tests that run real server
// processes: keygrid built from this module, and Debian's redis-server as the
// reference.
//
// The usual flow of a test:
//
//	srv := testutil.StartKeygrid(t)          // builds cmd/keygrid once, starts it on a free port
//	ref := testutil.StartRedis(t)            // same for redis-server
//	c := srv.Conn(t)                         // raw RESP connection, closed at cleanup
//	raw, err := c.Do("SET", "k", "v")        // exact bytes of one complete reply
//	v, err := testutil.ParseReply(raw)       // into a Value tree when a test needs to look inside
//	testutil.WaitFor(t, 5*time.Second, func() bool { ... }, "replica caught up")
//
// Servers are killed in t.Cleanup and their output (stdout, stderr and, for
// redis-server, its log file) is printed when the test failed. Nothing here
// sleeps blindly: readiness is found by polling PING. Under go test -race, keygrid is
// built with -race too, and a data race it reports fails the test.
//
// Environment:
//
//	KEYGRID_BIN       use this keygrid binary instead of building cmd/keygrid
//	REDIS_SERVER      path of redis-server (default: looked up in PATH)
//	KEYGRID_NO_REDIS  =1: skip, instead of failing, tests that need redis-server when it is missing
package testutil
