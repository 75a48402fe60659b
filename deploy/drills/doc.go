// Package drills holds keygrid's fault drills (issue #11): tests that run real
// keygrid processes (and redis-server, for the differential ones), inject a fault —
// kill -9, a cut or corrupted file, hostile frames — and measure what the fault
// cost: acknowledged writes lost, recovery time, replies and resources. The
// checkers that judge the recorded histories are in internal/drill.
//
// Every drill has two sizes. `go test ./deploy/drills` (part of `make test`) runs
// the bounded one, a few cycles or samples, the whole package in about a minute
// (about two more for the namespace drills, which run only as root).
// DRILLS=full runs the sizes the issue names (20 kill cycles, 100 cut offsets,
// every byte of a payload, ...): `make drills`. Each drill prints its
// drill.Result summary and saves it as JSON in $DRILL_OUT (a temporary directory
// by default; `make drills` uses bin/drills), which docs/reliability.md quotes.
//
// The replication, sentinel and cluster drills (netns_*_test.go) run every
// process in a network namespace of its own, joined by a bridge
// (internal/netns), and cut, flap and partition the links between them with
// iptables rules; the test dials in from client namespaces that take one side
// of a partition or stay outside it. They need root and `ip netns`; without
// them they skip with the reason.
//
// Hostile input: TestDrillFlood holds 1,000 connections sending bad frames,
// garbage and slowloris bytes while a client PINGs every 10 ms (bar: 100 ms,
// RSS back near its start), and TestDrillNetFuzz sends random valid and invalid
// streams whole and split at random bytes and compares the replies
// (NETFUZZ_TIME, NETFUZZ_SEED; `make fuzz-long` runs it for 10 minutes).
//
// Flow of a drill: start a server with testutil (or startProc when the server is
// expected to refuse to start), drive a workload that records each outcome in a
// drill.History, inject the fault, restart, check with internal/drill, then
// report(t, result).
package drills
