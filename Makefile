# tollgate — the two commands of the README are `make run` and `make test`.
GO      ?= go
BIN     := bin/tollgate
FUZZTIME ?= 5
# Packages whose tests run under the race detector in `make test`; the rest run without it
# (the ClickHouse engine is a 560 MB C++ library that the race runtime slows ~10x).
RACE_PKGS := ./internal/config/... ./internal/kafka/... ./internal/broker/... ./internal/registry/... ./internal/app/... ./schemas/... ./ingest/... ./router/...

.PHONY: all build libchdb run test test-unit schemas-check fuzz vet bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/tollgate

# Fetch the pinned ClickHouse engine (libchdb.so) into the cache, verified by checksum.
libchdb:
	@scripts/libchdb.sh >/dev/null

# Start everything in one process: embedded Kafka, Schema Registry, ClickHouse and the services.
run: build libchdb
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) ./$(BIN) up

vet:
	$(GO) vet ./...

schemas-check: build
	./$(BIN) schemas check

# The test command CI runs: vet, schema compatibility, race-checked unit and integration
# tests, the rest of the suite, a short run of every fuzz target, and the bench smoke run.
test: libchdb vet schemas-check
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) $(GO) test -race -count=1 $(RACE_PKGS)
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) $(GO) test -count=1 $$($(GO) list ./... | grep -v -E '/(internal/(config|kafka|broker|registry|app)|schemas|ingest|router)(/|$$)')
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) scripts/fuzz.sh $(FUZZTIME)
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) ./$(BIN) bench --quick --quiet

fuzz:
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) scripts/fuzz.sh 60

bench: build libchdb
	TOLLGATE_CHDB_LIB=$$(scripts/libchdb.sh) $(GO) test -run '^$$' -bench . -benchtime 3x ./...

clean:
	rm -rf bin tollgate-data
