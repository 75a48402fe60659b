# keygrid — build, run and test. Set-up on a fresh machine is `make run` and `make test`.
export PATH := /usr/local/go/bin:$(PATH)
GO       ?= go
BIN      := bin/keygrid
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/keygrid/keygrid/engine.KeygridVersion=$(VERSION)
FUZZTIME ?= 30s

.PHONY: build run test race fuzz fuzz-long bench lint tidy-check deps image drills

# build: the static binary at bin/keygrid (CGO off, so it runs FROM scratch).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/keygrid

# image: the FROM scratch Docker image keygrid:<version> (and :latest); nothing pulled.
# Redis's program names are symlinks to /keygrid in /usr/local/bin (on the image's
# PATH), so `docker exec c redis-cli ping` and healthchecks written for the redis
# image run keygrid under those names.
REDIS_NAMES := redis-cli redis-server redis-sentinel redis-check-rdb redis-check-aof
image: build
	rm -rf bin/image && mkdir -p bin/image/data bin/image/usr/local/bin && cp $(BIN) bin/image/keygrid
	for n in $(REDIS_NAMES); do ln -s /keygrid bin/image/usr/local/bin/$$n; done
	docker build -q -f deploy/Dockerfile -t keygrid:$(VERSION) -t keygrid:latest bin/image

# run: a node on embedded defaults, port 6379, like a bare `redis-server`.
run: build
	./$(BIN) server

# deps: what the tests need — Debian's redis-server/redis-tools/redis-sentinel (the
# reference the differential tests compare against) and the Go modules. The packages'
# own services are stopped: the tests start their own servers.
deps:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null || ! command -v redis-sentinel >/dev/null; then \
		echo "installing redis-server redis-tools redis-sentinel (reference for differential tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools redis-sentinel >/dev/null; \
		if command -v service >/dev/null; then service redis-sentinel stop >/dev/null 2>&1 || true; fi; \
	fi
	$(GO) mod download

# test: every test — unit, integration (the real binary on loopback), differential
# against redis-server — plus vet, and a short fuzz pass of the protocol parser.
# The longest test packages first (node ~460 s, engine and the drills ~200 s each,
# sentinel ~170 s on two cores): go test starts packages in the order given, two at a
# time, so the long ones no longer start last and the suite ends ~3 minutes sooner.
SLOW_PKGS := node engine deploy/drills sentinel gossip deploy proxy
test: deps build
	$(GO) vet ./...
	KEYGRID_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 12m $(addprefix ./,$(SLOW_PKGS)) \
		$$($(GO) list ./... | grep -vxF $(foreach p,$(SLOW_PKGS),-e github.com/keygrid/keygrid/$(p)))
	$(GO) test -run '^$$' -fuzz '^FuzzRequest$$' -fuzztime 10s ./engine/resp/

# drills: the full-size fault drills (issue #11); one JSON result per drill in bin/drills/.
# `make test` runs the bounded versions of the same drills.
drills: deps build
	mkdir -p bin/drills
	DRILLS=full DRILL_OUT=$(CURDIR)/bin/drills KEYGRID_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 30m -v -run '^TestDrill' ./deploy/drills/

# drill-cluster / drill-sentinel: the compose drills (issue #10) on the bridge-network
# files deploy/compose/cluster-net.yml and sentinel-net.yml: kill, pause, partition and
# restart containers (and move a node to a new IP) while a writer runs; prints recovery
# times and writes lost, JSON in bin/drills/. Needs Docker; `make test` runs a bounded set.
.PHONY: drill-cluster drill-sentinel
drill-cluster: deps
	mkdir -p bin/drills
	DRILLS=full DRILL_OUT=$(CURDIR)/bin/drills $(GO) test -count=1 -timeout 30m -v -run '^TestDrillComposeCluster$$' ./deploy/
drill-sentinel: deps
	mkdir -p bin/drills
	DRILLS=full DRILL_OUT=$(CURDIR)/bin/drills $(GO) test -count=1 -timeout 30m -v -run '^TestDrillComposeSentinel$$' ./deploy/

# race: the tests under the race detector.
race: deps
	$(GO) test -race -count=1 -timeout 15m ./...

# fuzz: each fuzz target for FUZZTIME (default 30s).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRequest$$' -fuzztime $(FUZZTIME) ./engine/resp/
	$(GO) test -run '^$$' -fuzz '^FuzzRequestSplit$$' -fuzztime $(FUZZTIME) ./engine/resp/

# fuzz-long: the 10-minute protocol fuzz run (two parser targets, 5 minutes each), then 10
# minutes of the network fuzzer: random valid and invalid RESP streams sent whole and split
# at random bytes to a real keygrid, replies compared, PING answered throughout (issue #11).
fuzz-long: build
	$(MAKE) fuzz FUZZTIME=5m
	NETFUZZ_TIME=10m KEYGRID_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 15m -v -run '^TestDrillNetFuzz$$' ./deploy/drills/

# bench: Go micro-benchmarks of the hot paths, then keygrid vs redis-server.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./engine/...
	../shared/bench/compare.sh throughput

# lint: vet, formatting, and the import-direction check.
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

# tidy-check: go.mod and go.sum are tidy.
tidy-check:
	$(GO) mod tidy -diff
