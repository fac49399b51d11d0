# The collector built from the repo's manifest, and the local no-Docker stack with its scenarios.

TSX := node --import tsx
# Scenarios measure latency and alert delays: one file at a time on two cores.
LOCAL_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=600000

.PHONY: collector prometheus test-collector local-up local-down local-status test-local
collector: ## Build the collector of cdk8s/collector/builder-config.yaml (cached in ~/.cache/shopscope)
	@scripts/local/build-collector.sh

prometheus: ## Build Prometheus PROMETHEUS_VERSION with its web UI, and promtool (cached in ~/.cache/shopscope)
	@scripts/local/build-prometheus.sh

test-collector: collector tool-jaeger tool-victorialogs ## otelcol validate of the pipeline config (local and cluster values, typo rejected) and a real run into Jaeger and VictoriaLogs
	$(NODE_TEST) tests/local/collector-*.test.ts

local-up: build autoinstrumentation collector prometheus tool-jaeger tool-victorialogs ## Local stack without Docker on fixed ports (LOCAL_*_PORT): shop :8080, Jaeger :16686, VictoriaLogs :9428, Prometheus :9090, Alertmanager :9093 (state in .run/local)
	@$(TSX) scripts/local/up.ts

local-down: ## Stop the local stack
	@$(TSX) scripts/local/down.ts

local-status: ## URLs and processes of the local stack
	@$(TSX) scripts/local/status.ts

test-local: build autoinstrumentation collector prometheus tool-jaeger tool-victorialogs ## Scenarios on the local stack: normal traffic, invalid JSON, service killed, latency, fault switches, browser traces, a checkout in the Jaeger UI
	$(LOCAL_TEST) tests/local/scenario-*.test.ts tests/load/*.test.ts
