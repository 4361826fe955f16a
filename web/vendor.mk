# Makefile fragment, included from the top-level Makefile.
#
# MapLibre GL JS is vendored rather than loaded from a CDN so the map page works
# with no outside network access and the binary serves exactly the version its
# page was tested with. Only the ES module build, its worker, the stylesheet and
# the licence are kept; source maps would triple the binary's asset size.

MAPLIBRE_VERSION ?= 6
MAPLIBRE_DIR     ?= web/static/maplibre-gl

.PHONY: vendor-maplibre
vendor-maplibre: ## Refresh the vendored MapLibre GL JS from npm (MAPLIBRE_VERSION=6 picks the newest 6.x)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tgz=$$(cd "$$tmp" && npm pack --silent "maplibre-gl@$(MAPLIBRE_VERSION)"); \
	tar -xzf "$$tmp/$$tgz" -C "$$tmp"; \
	mkdir -p "$(MAPLIBRE_DIR)"; \
	rm -f "$(MAPLIBRE_DIR)"/*; \
	for f in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do \
		sed '/^\/\/# sourceMappingURL=/d' "$$tmp/package/dist/$$f" > "$(MAPLIBRE_DIR)/$$f"; \
	done; \
	cp "$$tmp/package/LICENSE.txt" "$(MAPLIBRE_DIR)/LICENSE.txt"; \
	node -p 'require(process.argv[1]).version' "$$tmp/package/package.json" > "$(MAPLIBRE_DIR)/VERSION"; \
	echo "vendored maplibre-gl $$(cat "$(MAPLIBRE_DIR)/VERSION") into $(MAPLIBRE_DIR)"
