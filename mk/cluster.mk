# The cluster's Go builds and the whole-system tests on the cluster of make cluster-up (kind:
# mk/platform.mk, mk/kind.mk; dev/cluster/README.md).

# One file at a time: each file drives the whole cluster.
CLUSTER_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=600000

# The Go builds of the kind node image (scripts/cluster/kind/node-image.sh runs the same, cached).
KIND_NODE_BUILD := scripts/cluster/kind/build
.PHONY: kind-node-build
kind-node-build: ## The kind node image's binaries: Kubernetes KUBERNETES_VERSION (kubeadm too), etcd, crictl from the Go module proxy (cached in ~/.cache/shopscope)
	@$(KIND_NODE_BUILD)/kubernetes.sh
	@$(KIND_NODE_BUILD)/etcd.sh
	@$(KIND_NODE_BUILD)/crictl.sh

# make test runs this niced in the background (scripts/with-background.sh) while its other checks
# run: later, the node image and the stand-ins only pack what is cached. Two chains side by side,
# so that one build's serial parts (module downloads, linking) leave no core idle: the node
# image's binaries then the add-ons' stand-ins' (flannel, kube-network-policies,
# local-path-provisioner), and the other stand-ins' binaries.
.PHONY: cluster-prebuild
cluster-prebuild: shipped-node ## The cluster's Go builds only: kind-node-build, kind itself and the stand-ins' binaries, the add-ons' included (no buildah)
	@scripts/images/standins/build.sh binaries & standins=$$!; status=0; \
	{ $(MAKE) --no-print-directory kind-node-build tool-kind && scripts/images/standins/build.sh binaries addons; } || status=$$?; \
	wait $$standins || status=$$?; exit $$status

.PHONY: test-cluster test-cluster-ci
# In this order (node --test would sort the files): chaos and node-failure early, because
# Alertmanager delivers their alerts' resolutions 5 min later, checked by the last file while the
# others ran. Every file runs even after a failure.
CLUSTER_TESTS := cluster chaos node-failure security telemetry load-job upgrade alert-resolutions
test-cluster: ## [cluster] The whole system on the cluster of make cluster-up (brought up if absent): pods Ready, helm test, injection, chaos, PSS, NetworkPolicies, trace, Prometheus, load Job, upgrade (root)
	@status=0; for name in $(CLUSTER_TESTS); do \
		echo "== tests/cluster/$$name.test.ts"; $(CLUSTER_TEST) tests/cluster/$$name.test.ts || status=1; \
	done; exit $$status

# make test's cluster phase: up (a cluster an earlier run left is reused only if every node runs
# and its API server answers, else replaced: kind/cluster.sh), the checks, then that a stopped node
# would make cluster-up replace the cluster (podman only), then down whatever they gave (a cluster
# left behind holds ports, memory and the nodes' containers), and that down left nothing on the host.
test-cluster-ci: tool-helm ## make cluster-up, make test-cluster, the stopped-node check, make cluster-down (also after a failure), nothing left
	@status=0; $(MAKE) --no-print-directory cluster-up && $(MAKE) --no-print-directory test-cluster || status=$$?; \
	if [ $$status = 0 ] && [ "$$($(DEV) cluster engine)" = podman ]; then \
		$(CLUSTER_TEST) tests/cluster/stopped-node.test.ts || status=$$?; fi; \
	$(MAKE) --no-print-directory cluster-down || status=$$?; \
	$(CLUSTER_TEST) tests/cluster/cluster-down.test.ts || status=$$?; exit $$status
