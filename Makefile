# crimemap: `make run` serves the bundled real month; `make test` runs every test.
GO       ?= go
BIN      ?= bin/crimemap
ADDR     ?= 127.0.0.1:8080
DATA     ?= testdata/police-uk
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
export CGO_ENABLED := 1

.DEFAULT_GOAL := help

.PHONY: help build run test test-short race bench loadtest lint fuzz golden clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

build: ## Build the crimemap binary into bin/
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/crimemap

run: build ## Serve the bundled real month on http://$(ADDR) with the map page
	$(BIN) serve --addr $(ADDR) $(DATA)

test: ## Run every test (browser and Node-based tests need .ci/run's installs)
	$(GO) test -count=1 ./...

test-short: ## Run the tests that need nothing but Go
	$(GO) test -count=1 -short ./...

race: ## The packages that load and query in parallel, under the race detector
	$(GO) test -race -count=1 -short ./geo ./ingest ./tiles ./server ./analysis ./pmtiles

bench: ## Benchmarks of ingest, queries, hexes, tiles and HTTP handlers on the 6M-crime synthetic year
	CRIMEMAP_BENCH=1 $(GO) test -run '^$$' -bench . -benchtime 2s -timeout 60m ./ingest ./geo ./tiles ./server ./analysis

loadtest: build ## HTTP load from a second process on the synthetic year: p50/p99 and requests/s per group
	loadtest/run.sh $(BIN) $(or $(DURATION),15s) $(or $(CONC),16)

lint: ## gofmt, go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

fuzz: ## Short fuzzing passes over every parser of outside input
	@for p in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$p/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$p || exit 1; \
		done; \
	done

golden: ## Regenerate golden files
	$(GO) test ./tiles/... ./geo/... ./server/... -update

clean: ## Remove build output
	rm -rf bin

-include web/vendor.mk
