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

# The Protomaps basemap style, for serve --basemap: its layers for the
# "light" flavour with English names, written out as JSON at vendoring time
# so the page need not load the style generator, and a sprite sheet drawn
# from those layers (the Protomaps sprite assets are not published on npm).
# The npm package carries no licence file: LICENSE.txt is kept by hand from
# the project's BSD-3-Clause licence, and the target stops if the package's
# declared licence changes.
PROTOMAPS_VERSION ?= 5
PROTOMAPS_DIR     ?= web/static/protomaps

.PHONY: vendor-protomaps
vendor-protomaps: ## Refresh the vendored Protomaps basemap style and sprites from npm (PROTOMAPS_VERSION=5 picks the newest 5.x)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tgz=$$(cd "$$tmp" && npm pack --silent "@protomaps/basemaps@$(PROTOMAPS_VERSION)"); \
	tar -xzf "$$tmp/$$tgz" -C "$$tmp"; \
	lic=$$(node -p 'require(process.argv[1]).license' "$$tmp/package/package.json"); \
	if [ "$$lic" != "BSD-3-Clause" ]; then echo "@protomaps/basemaps is now under $$lic: review $(PROTOMAPS_DIR)/LICENSE.txt" >&2; exit 1; fi; \
	mkdir -p "$(PROTOMAPS_DIR)"; \
	node web/protomaps.mjs "$$tmp/package" > "$(PROTOMAPS_DIR)/light.json"; \
	node -p 'require(process.argv[1]).version' "$$tmp/package/package.json" > "$(PROTOMAPS_DIR)/VERSION"; \
	$(GO) run ./web/internal/gensprite -style "$(PROTOMAPS_DIR)/light.json" -out "$(PROTOMAPS_DIR)/sprites/light"; \
	echo "vendored @protomaps/basemaps $$(cat "$(PROTOMAPS_DIR)/VERSION") into $(PROTOMAPS_DIR)"
