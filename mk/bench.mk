# The benchmark (tests/bench): throughput, latency, CPU per request, span accounting, checkout
# integrity and peak memory for telemetry off, full, the production default, the operator's stock
# image, full with the collector down and the ablation's configurations (default and full, each
# without one piece of the telemetry: tests/bench/configs.ts), in one run of interleaved rounds
# on the local stack's pieces.
#
# Time: one configuration takes ~95 s with the five scenarios (3 s warm-up + 10 s each, the span
# counts settling, the services' start and stop), ~60 s with three. `make bench` (the standard
# and ablation presets of tests/bench/configs.ts, 3 rounds) took 55 min on the 2-core machine:
# tests/bench/results/latest.md's header gives each run's own; `make bench-ablation` (estimated:
# 10 configurations × 3 rounds on home, add-to-cart and checkout) ≈ 30 min.
# BENCH_ARGS passes more flags to bench.ts (--configs, --rounds, --scenarios, --profile; its
# header). The profile summaries behind an ablation, in a separate run (the profiler's own cost is
# in its figures), e.g. BENCH_ARGS='--profile --rounds 1 --out tests/bench/results/profiled'
# make bench-ablation (~10 min, estimated).
BENCH_ARGS ?=

BENCH = STOCK_AUTOINSTRUMENTATION_DIR=$(STOCK_AUTOINSTRUMENTATION_DIR) node --import tsx tests/bench/bench.ts
# The operator's stock Node.js auto-instrumentation for the `stock` configuration: its own
# node_modules outside the workspace, as in the operator's image, from tests/bench/stock's lockfile.
STOCK_SOURCE := tests/bench/stock
# Recursive (=): hashed only by the recipes that use it, not each time make reads its files.
STOCK_LOCK_HASH = $(shell sha256sum $(STOCK_SOURCE)/package-lock.json | cut -c1-12)
STOCK_AUTOINSTRUMENTATION_DIR = $(SHOPSCOPE_CACHE)/stock-nodejs-$(STOCK_LOCK_HASH)

.PHONY: bench bench-ablation test-bench stock-autoinstrumentation
stock-autoinstrumentation: shipped-node ## npm ci of the stock auto-instrumentations-node into ~/.cache/shopscope (cached)
	@echo "stock auto-instrumentation: $(STOCK_AUTOINSTRUMENTATION_DIR)"
	@if [ -f $(STOCK_AUTOINSTRUMENTATION_DIR)/.complete ]; then exit 0; fi; \
	rm -rf $(STOCK_AUTOINSTRUMENTATION_DIR) && mkdir -p $(STOCK_AUTOINSTRUMENTATION_DIR); \
	cp $(STOCK_SOURCE)/package.json $(STOCK_SOURCE)/package-lock.json $(STOCK_AUTOINSTRUMENTATION_DIR)/; \
	npm ci --prefix $(STOCK_AUTOINSTRUMENTATION_DIR) --no-audit --no-fund --loglevel=error; \
	touch $(STOCK_AUTOINSTRUMENTATION_DIR)/.complete

bench: build autoinstrumentation collector shipped-node stock-autoinstrumentation ## [bench] The five configurations and the production default's ablation, 3 interleaved rounds (~55 min on the 2-core machine; BENCH_ARGS='--configs all' adds full's); writes tests/bench/results/<date>.json and latest.md
	$(BENCH) $(BENCH_ARGS)

bench-ablation: build autoinstrumentation collector shipped-node ## Ablation of the production default only: off, default and default without each piece, 3 rounds, home/add-to-cart/checkout (~30 min, estimated); writes tests/bench/results/ablation/
	$(BENCH) --configs ablation --scenarios home,add-to-cart,checkout --out tests/bench/results/ablation $(BENCH_ARGS)

test-bench: build autoinstrumentation collector shipped-node stock-autoinstrumentation ## The benchmark script on a seconds-long setting (the standard configurations and default-bare, 1 round): checks it runs, and loses no order and no span
	mkdir -p .run && $(BENCH) --short --out .run/bench-short | tee .run/bench-short.log
	@grep -q '^| target | measured | met |' .run/bench-short/latest.md
	@# Speed depends on the machine; integrity does not: these two must hold even on a short run.
	@grep -Eq '^\| no order lost or doubled .*\| yes \|$$' .run/bench-short/latest.md \
		|| { echo "test-bench: orders lost or doubled (.run/bench-short/latest.md)" >&2; exit 1; }
	@grep -Eq '^\| 0 spans lost .*\| yes \|$$' .run/bench-short/latest.md \
		|| { echo "test-bench: spans lost (.run/bench-short/latest.md)" >&2; exit 1; }

.PHONY: bench-browser
bench-browser: build autoinstrumentation ## [bench] What the browser telemetry costs a page: bundle size, load time with and without it in Chromium (medians; prints numbers)
	node --import tsx tests/bench/browser-cost.ts
