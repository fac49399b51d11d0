# The cluster built from source (issue 12): Kubernetes, etcd and crictl from the Go module proxy,
# run as plain processes. make test runs the whole system on it (test-cluster-ci).

CLUSTER_SOURCE := scripts/cluster/source

.PHONY: cluster-source-build control-plane-up control-plane-down control-plane-status test-cluster-control-plane
.PHONY: containerd-up containerd-down containerd-status test-cluster-runtime
.PHONY: cluster-source-images cluster-source-up cluster-source-down cluster-source-status test-cluster-node
cluster-source-build: kind-node-build ## Kubernetes, etcd, crictl (make kind-node-build) and kube-network-policies from the Go module proxy (cached in ~/.cache/shopscope)
	@scripts/images/standins/build.sh binaries kube-network-policies >/dev/null

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
