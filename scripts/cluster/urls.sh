#!/usr/bin/env bash
# `make urls`: where each part of the system answers on this machine.
. "$(dirname "$0")/lib.sh"
print_urls
