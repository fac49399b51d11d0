# The cluster built from source (issue 12): Kubernetes, etcd and crictl from the Go module proxy,
# run as plain processes. make test runs the whole system on it (test-cluster-ci).

CLUSTER_SOURCE := scripts/cluster/source
# One file at a time: the test runs a whole control plane.
CLUSTER_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=600000

.PHONY: cluster-source-build control-plane-up control-plane-down control-plane-status test-cluster-control-plane
.PHONY: containerd-up containerd-down containerd-status test-cluster-runtime
.PHONY: cluster-source-images cluster-source-up cluster-source-down cluster-source-status test-cluster-node
cluster-source-build: ## Build Kubernetes KUBERNETES_VERSION, etcd, crictl and kube-network-policies from the Go module proxy (cached in ~/.cache/shopscope)
	@$(CLUSTER_SOURCE)/build-kubernetes.sh
	@$(CLUSTER_SOURCE)/build-etcd.sh
	@$(CLUSTER_SOURCE)/build-crictl.sh
	@$(CLUSTER_SOURCE)/build-kube-network-policies.sh

# make test runs this niced in the background (scripts/with-background.sh) while its other checks
# run: later, cluster-up only packs images and links what is cached. Two chains side by side, so
# that one build's serial parts (module downloads, linking) leave no core idle.
.PHONY: cluster-prebuild
cluster-prebuild: ## The cluster's Go builds only: cluster-source-build and the stand-ins' binaries (no buildah)
	@scripts/images/standins/build.sh binaries & standins=$$!; status=0; \
	$(MAKE) --no-print-directory cluster-source-build || status=$$?; \
	wait $$standins || status=$$?; exit $$status

control-plane-up: cluster-source-build ## etcd, kube-apiserver, controller-manager, scheduler on 127.0.0.1 (state in .run/cluster)
	@$(CLUSTER_SOURCE)/control-plane.sh start

control-plane-down: ## Stop the control plane of control-plane-up (its etcd data is kept)
	@$(CLUSTER_SOURCE)/control-plane.sh stop

control-plane-status: ## Processes and readiness of the control plane
	@$(CLUSTER_SOURCE)/control-plane.sh status

test-cluster-control-plane: cluster-source-build ## The source-built control plane: version, PodSecurity refusal, a Deployment's ReplicaSet and Pods, clean stop
	$(CLUSTER_TEST) tests/cluster/source-control-plane.test.ts

containerd-up: ## Debian's containerd for the node (root, state, socket in .run/cluster/containerd), stand-in images imported
	@$(CLUSTER_SOURCE)/containerd.sh start

containerd-down: ## Stop containerd-up's containerd: its pods, bridge, CNI iptables chains and mounts are removed
	@$(CLUSTER_SOURCE)/containerd.sh stop

containerd-status: ## Whether containerd-up's containerd answers on its socket
	@$(CLUSTER_SOURCE)/containerd.sh status

test-cluster-runtime: ## containerd + CRI with crictl: a busybox pod logs, gets a pod IP, a hostPort answers; stop leaves nothing
	$(CLUSTER_TEST) tests/cluster/source-runtime.test.ts

# The node's images only (pause, busybox, CoreDNS), not every stand-in of `make standins`
cluster-source-images: ## The stand-ins the source-built node runs: pause, busybox, CoreDNS (cached in ~/.cache/shopscope/standins)
	@scripts/images/standins/build.sh pause busybox coredns

cluster-source-up: cluster-source-build cluster-source-images ## The whole source-built cluster: control plane, containerd, kubelet, kube-proxy, kube-network-policies, CoreDNS (root; .run/cluster)
	@$(CLUSTER_SOURCE)/cluster.sh up

cluster-source-down: ## Stop cluster-source-up's cluster: every process, and its chains, bridge, mounts, cgroups and address
	@$(CLUSTER_SOURCE)/cluster.sh down

cluster-source-status: ## Processes, node and pods of the source-built cluster
	@$(CLUSTER_SOURCE)/cluster.sh status

test-cluster-node: cluster-source-build cluster-source-images ## The source-built node: Ready, a Deployment, CoreDNS, Services via kube-proxy, a NetworkPolicy enforced, down leaves nothing
	$(CLUSTER_TEST) tests/cluster/source-node.test.ts

.PHONY: test-cluster test-cluster-ci
# In this order (node --test would sort the files): chaos early, because Alertmanager delivers its
# alerts' resolutions 5 min later, checked by the last file while the others ran. Every file runs
# even after a failure.
CLUSTER_TESTS := cluster chaos security telemetry load-job upgrade alert-resolutions
test-cluster: ## The whole system on the cluster of make cluster-up (brought up if absent): pods Ready, helm test, injection, chaos, PSS, NetworkPolicies, trace, Prometheus, load Job, upgrade (root)
	@status=0; for name in $(CLUSTER_TESTS); do \
		echo "== tests/cluster/$$name.test.ts"; $(CLUSTER_TEST) tests/cluster/$$name.test.ts || status=1; \
	done; exit $$status

# make test's cluster phase: up from nothing, the checks, then down whatever they gave (a cluster
# left behind holds ports, mounts and gigabytes), and that down left nothing on the host.
test-cluster-ci: tool-helm ## make cluster-up, make test-cluster, make cluster-down (also after a failure), nothing left
	@status=0; $(MAKE) --no-print-directory cluster-up && $(MAKE) --no-print-directory test-cluster || status=$$?; \
	$(MAKE) --no-print-directory cluster-down || status=$$?; \
	$(CLUSTER_TEST) tests/cluster/cluster-down.test.ts || status=$$?; exit $$status
