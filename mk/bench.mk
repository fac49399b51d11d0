# The benchmark (tests/bench): throughput, latency, span accounting, checkout integrity and peak
# memory for telemetry off / full / collector down, in one run on the local stack's pieces.

BENCH := node --import tsx tests/bench/bench.ts

.PHONY: bench test-bench
bench: build autoinstrumentation collector shipped-node ## Full benchmark (~4 min); writes tests/bench/results/<date>.json and latest.md
	$(BENCH)

test-bench: build autoinstrumentation collector shipped-node ## The benchmark script on a seconds-long setting: checks it runs and prints the table
	$(BENCH) --short --out .run/bench-short | tee .run/bench-short.log
	@grep -q '^| target | measured | met |' .run/bench-short/latest.md
