# The images, built and run without a Docker daemon: buildah (chroot isolation) on offline
# stand-ins for the upstream base images (debootstrap + Node.js from npm, Debian's busybox).

# The stand-in bases, named once for scripts/images/base.sh (builds them) and build.sh (uses them).
# Tagged with the upstream tag it stands in for (<node version>-<debian release>-slim).
export NODE_BASE_IMAGE := localhost/shopscope-node:$(lastword $(subst :, ,$(NODE_IMAGE)))
export BUSYBOX_BASE_IMAGE := localhost/shopscope-busybox:local

.PHONY: images test-images images-prune

images: shipped-node ## [set-up] Build the four service images and the auto-instrumentation image with buildah
	@scripts/images/base.sh
	@scripts/images/build.sh

test-images: images ## The built images: non-root, production-only, and wired as the operator injects them
	scripts/with-mariadb.sh $(NODE_TEST) tests/images/*.test.ts

images-prune: ## Remove the build cache `make images` keeps (buildah's untagged layers; the next build starts cold)
	buildah rmi --prune
