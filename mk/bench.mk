# The benchmark (tests/bench): throughput, latency, span accounting, checkout integrity and peak
# memory for telemetry off / full / collector down, in one run on the local stack's pieces.

BENCH := node --import tsx tests/bench/bench.ts

.PHONY: bench test-bench
bench: build autoinstrumentation collector shipped-node ## Full benchmark (~4 min); writes tests/bench/results/<date>.json and latest.md
	$(BENCH)

test-bench: build autoinstrumentation collector shipped-node ## The benchmark script on a seconds-long setting: checks it runs, and loses no order and no span
	$(BENCH) --short --out .run/bench-short | tee .run/bench-short.log
	@grep -q '^| target | measured | met |' .run/bench-short/latest.md
	@# Speed depends on the machine; integrity does not: these two must hold even on a short run.
	@grep -Eq '^\| no order lost or doubled .*\| yes \|$$' .run/bench-short/latest.md \
		|| { echo "test-bench: orders lost or doubled (.run/bench-short/latest.md)" >&2; exit 1; }
	@grep -Eq '^\| 0 spans lost .*\| yes \|$$' .run/bench-short/latest.md \
		|| { echo "test-bench: spans lost (.run/bench-short/latest.md)" >&2; exit 1; }
