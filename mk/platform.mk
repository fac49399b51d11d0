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

# How the cluster targets (chaos, load-cluster) reach the cluster of cluster-up: kubectl, its
# context, and Alertmanager's NodePort (kind maps it to localhost:9093, kind-config.yaml; the
# source-built node is this host, at CLUSTER_NODE_IP).
CLUSTER_NODE_IP ?= 198.51.100.10
ifeq ($(CLUSTER_PROVIDER),source)
SOURCE_KUBECTL := $(HOME)/.cache/shopscope/kubernetes-v$(KUBERNETES_VERSION)/bin/kubectl
SOURCE_KUBECONFIG := $(ROOT)/.run/cluster/admin.kubeconfig
CLUSTER_ACCESS := KUBECONFIG=$(SOURCE_KUBECONFIG) KUBECTL=$(SOURCE_KUBECTL) \
	KUBE_CONTEXT=$$(KUBECONFIG=$(SOURCE_KUBECONFIG) $(SOURCE_KUBECTL) config current-context) \
	ALERTMANAGER_URL=http://$(CLUSTER_NODE_IP):30093
else
CLUSTER_ACCESS := KUBECTL=kubectl KUBE_CONTEXT=kind-$(KIND_CLUSTER) ALERTMANAGER_URL=http://localhost:9093
endif

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
	@IN_BOX=$(if $(filter source,$(CLUSTER_PROVIDER)),1,0) scripts/cluster/urls.sh
