# Alerts, Alertmanager routing, dashboards and runbooks: checked with the real promtool, amtool,
# Prometheus and Alertmanager binaries (Prometheus and promtool of the cluster's release from
# `make prometheus`, first on PATH; amtool and Alertmanager are Debian packages, see deps-system).

ALERT_RULES := alerts/shopscope.rules.yaml
ALERTMANAGER_CONFIG := alerts/alertmanager.yaml

.PHONY: test-alerts check-alerts dashboard-queries
check-alerts: prometheus ## promtool check + unit tests of the rules, amtool check of the routing
	promtool check rules $(ALERT_RULES)
	promtool test rules alerts/tests/*.test.yaml
	amtool check-config $(ALERTMANAGER_CONFIG)

test-alerts: check-alerts ## [test] Rules, routing, inhibition, metric names, dashboards and runbooks
	$(NODE_TEST) tests/alerts/*.test.ts

dashboard-queries: ## Run every dashboard query against PROMETHEUS_URL; fails on empty panels
	@[ -n "$${PROMETHEUS_URL:-}" ] || { echo "dashboard-queries: set PROMETHEUS_URL" >&2; exit 2; }
	node --import tsx tests/alerts/dashboard-queries.ts "$$PROMETHEUS_URL"
