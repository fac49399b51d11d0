# Python tools from PyPI, each pinned in versions.env and installed into a venv of its own
# (scripts/python-tool.sh, cached in ~/.cache/shopscope/python, linked into .tools/bin).

# $(call py-tool,<command>,<package>,<version>)
define py-tool
.PHONY: tool-$(1)
tool-$(1):
	@scripts/python-tool.sh $(1) $(2) $(3)
endef

$(eval $(call py-tool,locust,locust,$(LOCUST_VERSION)))
$(eval $(call py-tool,schemathesis,schemathesis,$(SCHEMATHESIS_VERSION)))
