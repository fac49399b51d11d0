# The collector built from the repo's manifest, and the local no-Docker stack with its scenarios.

TSX := node --import tsx
# Scenarios measure latency and alert delays: one file at a time on two cores.
LOCAL_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=600000

.PHONY: collector prometheus test-collector local-up local-down local-status test-local
collector: ## Build the collector of cdk8s/collector/builder-config.yaml (cached in ~/.cache/shopscope)
	@scripts/local/build-collector.sh

prometheus: ## Build Prometheus PROMETHEUS_VERSION with its web UI, and promtool (cached in ~/.cache/shopscope)
	@scripts/local/build-prometheus.sh

test-collector: collector ## otelcol validate of the pipeline config (local and cluster values, typo rejected) and a real run
	$(NODE_TEST) tests/local/collector-*.test.ts

local-up: build autoinstrumentation collector prometheus ## Local stack without Docker: MariaDB, services, collector, Prometheus, Alertmanager (state in .run/)
	@$(TSX) scripts/local/up.ts

local-down: ## Stop the local stack
	@$(TSX) scripts/local/down.ts

local-status: ## URLs and processes of the local stack
	@$(TSX) scripts/local/status.ts

test-local: build autoinstrumentation collector prometheus ## Scenarios on the local stack: normal traffic, invalid JSON, service killed, latency, fault switches
	$(LOCAL_TEST) tests/local/scenario-*.test.ts tests/load/*.test.ts
