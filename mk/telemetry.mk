# Telemetry: the auto-instrumentation bootstrap, its image content and its end-to-end tests.

TELEMETRY_DIR := services/telemetry
AUTOINSTRUMENTATION_DIR := $(TELEMETRY_DIR)/dist/image/autoinstrumentation

.PHONY: autoinstrumentation test-telemetry

autoinstrumentation: ## Stage the auto-instrumentation image content (/autoinstrumentation) and print its size
	npx tsc -b $(TELEMETRY_DIR)
	node --import tsx $(TELEMETRY_DIR)/scripts/stage-autoinstrumentation.ts $(AUTOINSTRUMENTATION_DIR)
	@du -sh --apparent-size $(AUTOINSTRUMENTATION_DIR) | awk '{print "autoinstrumentation size: " $$1 " (operator volume limit: 200Mi)"}'

test-telemetry: build autoinstrumentation ## [test] One trace per checkout, log correlation, OTLP metrics, operator injection, SIGTERM flush, collector outage
	scripts/with-mariadb.sh $(NODE_TEST) tests/telemetry/*.test.ts
