# The collector built from the repo's manifest, and the local no-Docker stack with its scenarios.

# Scenarios measure latency and alert delays: one file at a time on two cores.
LOCAL_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=600000

.PHONY: collector prometheus test-collector local-up local-down local-fault local-status tour-images test-local
collector: ## Build the collector of cdk8s/collector/builder-config.yaml (cached in ~/.cache/shopscope)
	@scripts/local/build-collector.sh

prometheus: ## Build Prometheus PROMETHEUS_VERSION with its web UI, and promtool (cached in ~/.cache/shopscope)
	@scripts/local/build-prometheus.sh

test-collector: collector tool-jaeger tool-victorialogs ## otelcol validate of the pipeline config (local and cluster values, typo rejected) and a real run into Jaeger and VictoriaLogs
	$(NODE_TEST) tests/local/collector-*.test.ts

local-up: build autoinstrumentation collector prometheus tool-jaeger tool-victorialogs ## [run] Local stack without Docker on fixed ports (LOCAL_*_PORT): shop :8080, Jaeger :16686, VictoriaLogs :9428, Prometheus :9090, Alertmanager :9093 (state in .run/local)
	@$(DEV) local up

local-down: ## [run] Stop the local stack
	@$(DEV) local down

local-fault: ## A fault switch on the local stack: SERVICE=order-service FAULT=failDependency=product-service (latencyMs=800, errorRate=0.2, off)
	@$(DEV) local fault "$(SERVICE)" "$(FAULT)"

local-status: ## [run] URLs and processes of the local stack
	@$(DEV) local status

tour-images: build autoinstrumentation collector prometheus tool-jaeger tool-victorialogs ## docs/tour.md's screenshots again, from its test on the local stack
	TOUR_IMAGES=docs/img/tour $(LOCAL_TEST) tests/local/scenario-tour.test.ts

test-local: build autoinstrumentation collector prometheus tool-jaeger tool-victorialogs ## [test] Scenarios on the local stack: normal traffic, invalid JSON, service killed, latency, fault switches, browser traces, a checkout in the Jaeger UI, the tour
	$(LOCAL_TEST) tests/local/scenario-*.test.ts tests/load/*.test.ts
