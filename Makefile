# crimemap: `make run` serves the bundled real month; `make test` runs every test.
GO       ?= go
BIN      ?= bin/crimemap
ADDR     ?= 127.0.0.1:8080
DATA     ?= testdata/police-uk
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
export CGO_ENABLED := 1
# Go 1.27.3, which the go command fetches from the module proxy on first use:
# the standard library of 1.26.8 has vulnerabilities in net/http,
# html/template, crypto/tls and crypto/x509 that the server calls.
export GOTOOLCHAIN ?= go1.27.3

.DEFAULT_GOAL := help

# Lint tools at pinned versions, installed into TOOLS when missing. govulncheck
# reads a vulnerability database built from the pinned golang.org/x/vulndb
# module, so it needs no network beyond the Go module proxy.
TOOLS          ?= $(CURDIR)/bin/tools
STATICCHECK    := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK    := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB         := $(TOOLS)/vulndb-$(VULNDB_VERSION)

# The basemap's land tiles and glyphs are generated and committed; this
# regenerates them from the locked npm coastline and Debian's Noto Sans.
.PHONY: basemap
basemap: ## Regenerate basemap/land.pmtiles and basemap/glyphs (npm, fonts-noto-core)
	cd basemap/source && npm ci --no-audit --no-fund --loglevel=error
	$(GO) generate ./basemap

.PHONY: help build run test test-short test-postgres race bench bench-history synth-history bench-watch loadtest reload-check nginx-check lint tools vulncheck fuzz golden clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

build: ## Build the crimemap binary into bin/
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/crimemap

run: build ## Serve the bundled real month on http://$(ADDR) with the map page
	$(BIN) serve --addr $(ADDR) $(DATA)

# The browser suite runs its pages one after another in one test, which
# takes longer than go test's default 10 minutes on a busy 2-core host.
test: ## Run every test (browser and Node-based tests need .ci/run's installs)
	$(GO) test -count=1 -timeout 45m ./...

test-short: ## Run the tests that need nothing but Go
	$(GO) test -count=1 -short ./...

test-postgres: ## The store's tests on both back ends, PostgreSQL in a throwaway cluster
	bash -c '. .ci/postgres.sh && $(GO) test -count=1 ./watch/... ./store/...'

race: ## The packages that load and query in parallel, under the race detector
	$(GO) test -race -count=1 -short ./geo ./ingest ./tiles ./server ./analysis ./pmtiles ./store/sqlite

bench: ## Benchmarks of ingest, queries, hexes, tiles and HTTP handlers on the 6M-crime synthetic year
	CRIMEMAP_BENCH=1 $(GO) test -run '^$$' -bench . -benchtime 2s -timeout 60m ./ingest ./geo ./tiles ./server ./analysis

# The long history: fifteen years, 90M crimes, about 20 GB of CSV. `make bench`
# runs its benchmarks only where CRIMEMAP_BENCH_HISTORY names it.
HISTORY ?= $(or $(TMPDIR),/tmp)/crimemap-synth-90m

synth-history: ## Write the fifteen-year synthetic history (90M crimes, about 20 GB) into HISTORY (kept when complete)
	$(GO) run ./cmd/crimemap synth -history -n 90000000 -months 180 -start 2011-01 -seed 1 -reuse -out $(HISTORY)

# HISTORY may name a snapshot of it (crimemap snapshot -out FILE HISTORY),
# which opens in seconds; the start benchmarks need one, and each of their
# runs maps it anew, so they run a few times only. With a snapshot of all
# but the last month, MONTH names that month's folder, which the new-month
# benchmark adds to it, and the appended-month tiles benchmark serves.
# MONTHS lists the folders of the last few months (separated by :) for a
# snapshot of all but those: the parts benchmark adds them as a part each
# and as one merged part, and renders each tile both ways.
MONTH ?=
MONTHS ?=

bench-history: ## Benchmarks over the long history in HISTORY, one package at a time (each loads all of it)
	CRIMEMAP_BENCH_HISTORY=$(HISTORY) CRIMEMAP_BENCH_MONTH=$(MONTH) CRIMEMAP_BENCH_MONTHS=$(MONTHS) $(GO) test -p 1 -run '^$$' -bench History -skip 'HistoryStart|ExtendHistory' -benchtime 400x -timeout 120m ./geo ./tiles ./ingest
	CRIMEMAP_BENCH_HISTORY=$(HISTORY) $(GO) test -p 1 -run '^$$' -bench HistoryStart -benchtime 3x -timeout 30m ./geo ./tiles
	CRIMEMAP_BENCH_HISTORY=$(HISTORY) CRIMEMAP_BENCH_MONTH=$(MONTH) $(GO) test -p 1 -run '^$$' -bench ExtendHistory -benchtime 3x -timeout 30m ./ingest

bench-watch: ## Watch form submissions/s and p99 on SQLite and PostgreSQL (a throwaway cluster), alone and beside crime reads
	bash -c '. .ci/postgres.sh && CRIMEMAP_BENCH=1 $(if $(DURATION),CRIMEMAP_WATCH_BENCH_DURATION=$(DURATION)) \
		$(GO) test -count=1 -run "^$$" -bench "^BenchmarkWatchFormsUnderLoad$$" -benchtime 1x -timeout 30m ./server'

loadtest: build ## HTTP load from a second process on the synthetic year: p50/p99 and requests/s per group
	loadtest/run.sh $(BIN) $(or $(DURATION),15s) $(or $(CONC),16)

reload-check: ## Reload every second under 64 loopback connections for 10 s (CONNS, DURATION, LOAD_DATA): zero failed requests, memory
	CRIMEMAP_LOAD_TESTS=1 $(if $(CONNS),CRIMEMAP_LOAD_CONNS=$(CONNS)) $(if $(DURATION),CRIMEMAP_LOAD_DURATION=$(DURATION)) \
		$(if $(LOAD_DATA),CRIMEMAP_LOAD_DATA=$(abspath $(LOAD_DATA))) $(GO) test -count=1 -v -timeout 30m -run '^TestReloadUnderLoad$$' ./cmd/crimemap

nginx-check: ## deploy/nginx in front of two replicas: one stopped under load fails no request; versioned tiles cached
	CRIMEMAP_LOAD_TESTS=1 $(GO) test -count=1 -v -run '^TestNginxPair$$' ./cmd/crimemap

lint: tools ## gofmt, go vet, staticcheck and govulncheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	@$(MAKE) --no-print-directory vulncheck

# The standard library's findings are fixed by a Go release, not by this
# module, so they are shown but fail only a module's called vulnerability.
vulncheck: tools ## govulncheck: fails on any called vulnerability, the standard library's included
	$(TOOLS)/govulncheck -db file://$(VULNDB) ./...

tools: $(TOOLS)/staticcheck $(TOOLS)/govulncheck $(VULNDB)/index/db.json ## Install the pinned lint tools when missing

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install $(STATICCHECK)

$(TOOLS)/govulncheck:
	GOBIN=$(TOOLS) $(GO) install $(GOVULNCHECK)

$(VULNDB)/index/db.json:
	GOBIN=$(TOOLS) $(GO) install golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION)
	rm -rf $(VULNDB)
	$(TOOLS)/indexdb -vulns "$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')/data/osv" -out $(VULNDB)

fuzz: ## Short fuzzing passes over every parser of outside input
	@for p in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$p/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$p || exit 1; \
		done; \
	done

# Every package whose tests define -update holds golden files; the others
# would refuse the flag.
GOLDEN_PKGS = $(shell grep -rl --include='*_test.go' 'flag\.Bool."update"' . | xargs -n1 dirname | sort -u)

golden: ## Regenerate every golden file (then review git diff)
	$(GO) test -count=1 $(GOLDEN_PKGS) -update

clean: ## Remove build output
	rm -rf bin

-include web/vendor.mk
