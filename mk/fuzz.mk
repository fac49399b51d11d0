# API fuzzing: schemathesis (pinned in versions.env, mk/python.mk) against the OpenAPI document of
# every JSON service, each started on a throwaway MariaDB with a signed-in shopper (tests/fuzz).

.PHONY: test-fuzz
test-fuzz: build tool-schemathesis ## Fuzz every JSON API: no 5xx, every answer as its schema declares
	scripts/with-mariadb.sh $(NODE_TEST) tests/fuzz/*.test.ts
