# The application: dependencies, build, lint, tests of the services.

NODE_TEST := node --import tsx --test --test-concurrency=2 --test-timeout=120000

.PHONY: deps deps-system deps-node build lint test-app dev
deps: deps-system shipped-node deps-node tools ## [set-up] Install everything the tests need (Debian packages, npm, Go tools)

deps-system: ## Debian packages: MariaDB, Chromium, Prometheus, Alertmanager, buildah
	@scripts/install-system-deps.sh

deps-node: ## npm workspaces from the lockfile
	@[ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

build: ## [set-up] Compile every workspace (CommonJS, strict)
	npm run build

lint: ## [test] ESLint + Prettier, ShellCheck of every shell script
	npm run lint
	shellcheck -x -P SCRIPTDIR $$(git ls-files '*.sh')

test-app: build ## [test] Route, integration, concurrency and browser tests of the four services
	scripts/with-mariadb.sh $(NODE_TEST) services/contracts/test/*.test.ts services/kit/test/*.test.ts services/*-service/test/*.test.ts services/frontend/test/*.test.ts tests/app/*.test.ts

dev: build ## [run] Run the four services locally against MYSQL_URL (or a throwaway MariaDB)
	@$(DEV) run
