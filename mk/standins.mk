# Offline stand-ins for the upstream images the charts and manifests run (nothing pulled: these
# machines reach no registry): built from the same releases' Go modules or Debian trixie
# packages, tagged with the upstream names, cached as OCI archives in ~/.cache/shopscope/standins.

STANDINS_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=300000

.PHONY: standins test-standins
# Prometheus' stand-in packs `make prometheus`'s binaries, the collector's `make collector`'s; MySQL's
# and Locust's start from the Debian base of scripts/images/base.sh (all cached: nothing is rebuilt
# when present).
standins: prometheus collector shipped-node ## Build (or load from the cache) the stand-ins of the upstream images with buildah
	@scripts/images/base.sh
	@scripts/images/standins/build.sh

# The two built on Debian alone (no Go build): make test makes them at the end of its foreground,
# while the background still compiles, rather than after it (~1.5 min cold, nothing warm).
.PHONY: standins-debian
standins-debian: shipped-node ## Build (or load from the cache) the MySQL and Locust stand-ins only
	@scripts/images/base.sh
	@scripts/images/standins/build.sh mysql locust

test-standins: standins tool-jaeger tool-victorialogs ## Each stand-in: the name the charts reference, the pinned release, upstream's user; Jaeger's config and UI by its binary
	$(STANDINS_TEST) tests/cluster/standins.test.ts tests/cluster/standins-mysql.test.ts \
		tests/cluster/jaeger-config.test.ts tests/cluster/jaeger-ui.test.ts

# The stand-ins the kind node image preloads (scripts/cluster/kind/node-image.sh), not every one of
# `make standins`: pause (containerd's sandbox), CoreDNS (kubeadm's DNS add-on), and kind's
# default storage: local-path-provisioner with BusyBox as its helper.
.PHONY: kind-node-standins
kind-node-standins: ## The stand-ins the kind node image preloads: pause, CoreDNS, local-path-provisioner, BusyBox (cached in ~/.cache/shopscope/standins)
	@scripts/images/standins/build.sh pause coredns local-path-provisioner busybox
