# The benchmark (tests/bench): throughput, latency, span accounting, checkout integrity and peak
# memory for telemetry off, full, the production default, the operator's stock image and full
# with the collector down, in one run on the local stack's pieces.

BENCH := node --import tsx tests/bench/bench.ts
# The operator's stock Node.js auto-instrumentation for the `stock` configuration: its own
# node_modules outside the workspace, as in the operator's image, from tests/bench/stock's lockfile.
STOCK_SOURCE := tests/bench/stock
STOCK_LOCK_HASH := $(shell sha256sum $(STOCK_SOURCE)/package-lock.json | cut -c1-12)
export STOCK_AUTOINSTRUMENTATION_DIR := $(HOME)/.cache/shopscope/stock-nodejs-$(STOCK_LOCK_HASH)

.PHONY: bench test-bench stock-autoinstrumentation
stock-autoinstrumentation: shipped-node ## npm ci of the stock auto-instrumentations-node into ~/.cache/shopscope (cached)
	@echo "stock auto-instrumentation: $(STOCK_AUTOINSTRUMENTATION_DIR)"
	@if [ -f $(STOCK_AUTOINSTRUMENTATION_DIR)/.complete ]; then exit 0; fi; \
	rm -rf $(STOCK_AUTOINSTRUMENTATION_DIR) && mkdir -p $(STOCK_AUTOINSTRUMENTATION_DIR); \
	cp $(STOCK_SOURCE)/package.json $(STOCK_SOURCE)/package-lock.json $(STOCK_AUTOINSTRUMENTATION_DIR)/; \
	npm ci --prefix $(STOCK_AUTOINSTRUMENTATION_DIR) --no-audit --no-fund --loglevel=error; \
	touch $(STOCK_AUTOINSTRUMENTATION_DIR)/.complete

bench: build autoinstrumentation collector shipped-node stock-autoinstrumentation ## Full benchmark (~4 min); writes tests/bench/results/<date>.json and latest.md
	$(BENCH)

test-bench: build autoinstrumentation collector shipped-node stock-autoinstrumentation ## The benchmark script on a seconds-long setting: checks it runs, and loses no order and no span
	mkdir -p .run && $(BENCH) --short --out .run/bench-short | tee .run/bench-short.log
	@grep -q '^| target | measured | met |' .run/bench-short/latest.md
	@# Speed depends on the machine; integrity does not: these two must hold even on a short run.
	@grep -Eq '^\| no order lost or doubled .*\| yes \|$$' .run/bench-short/latest.md \
		|| { echo "test-bench: orders lost or doubled (.run/bench-short/latest.md)" >&2; exit 1; }
	@grep -Eq '^\| 0 spans lost .*\| yes \|$$' .run/bench-short/latest.md \
		|| { echo "test-bench: spans lost (.run/bench-short/latest.md)" >&2; exit 1; }

.PHONY: bench-browser
bench-browser: build autoinstrumentation ## What the browser telemetry costs a page: bundle size, load time with and without it in Chromium (medians; prints numbers)
	node --import tsx tests/bench/browser-cost.ts
