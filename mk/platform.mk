# The platform: cdk8s synthesis, the app's Helm chart, their validation, and the kind cluster.

CDK8S_DIST := cdk8s/dist
KIND_CLUSTER ?= shopscope

.PHONY: synth test-platform resources cluster-up cluster-down status urls

synth: ## Synthesize the cdk8s app into cdk8s/dist (manifests + kube-prometheus-stack values)
	cd cdk8s && npx tsx src/main.ts

test-platform: tools ## helm lint/template, kubeconform -strict, cdk8s assertions + snapshot, cross-references
	$(NODE_TEST) cdk8s/test/*.test.ts tests/platform/*.test.ts
	node --import tsx scripts/cluster/resources.ts

resources: ## Total CPU/memory requests and limits of the whole stack
	@node --import tsx scripts/cluster/resources.ts

# kind where Docker answers (a laptop), else the cluster built from source (mk/cluster-source.mk).
CLUSTER_PROVIDER ?= $(shell docker info >/dev/null 2>&1 && echo kind || echo source)

cluster-up: tool-helm ## The whole system on a cluster: kind when `docker info` works, else the source-built one (CLUSTER_PROVIDER=kind|source)
ifeq ($(CLUSTER_PROVIDER),kind)
	@scripts/cluster/up.sh
else ifeq ($(CLUSTER_PROVIDER),source)
	@scripts/cluster/up-source.sh
else
	$(error CLUSTER_PROVIDER=$(CLUSTER_PROVIDER): kind or source)
endif

cluster-down: ## Delete the cluster of cluster-up (kind: the kind cluster; source: make cluster-source-down)
ifeq ($(CLUSTER_PROVIDER),kind)
	@scripts/cluster/down.sh
else ifeq ($(CLUSTER_PROVIDER),source)
	@$(MAKE) --no-print-directory cluster-source-down
else
	$(error CLUSTER_PROVIDER=$(CLUSTER_PROVIDER): kind or source)
endif

status: ## Nodes, pods and Helm releases of the kind cluster
	@scripts/cluster/status.sh

urls: ## Where the shop, Grafana, Jaeger, Prometheus and Alertmanager answer
	@scripts/cluster/urls.sh
