#!/usr/bin/env bash
# Installs a Python command-line tool from PyPI at its pinned version (versions.env) into a venv of
# its own, cached under ~/.cache/shopscope/python (shared by every clone on this machine), and links
# its command into .tools/bin. Re-runs cost milliseconds.
#   python-tool.sh <command> <package> <version>
set -euo pipefail
command=$1 package=$2 version=$3
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}/python/$package-$version"
link="$root/.tools/bin/$command"
command -v python3 >/dev/null || { echo "tools: python3 is missing, needed for $package" >&2; exit 1; }
# A venv cannot be moved (its scripts name their absolute path): an install counts only once the
# marker written after it exists, so an interrupted one is redone.
if [ ! -f "$venv/.installed" ]; then
  echo "tools: installing $package $version (PyPI) into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version"
  touch "$venv/.installed"
fi
[ -x "$venv/bin/$command" ] || { echo "tools: $package $version has no command $command" >&2; exit 1; }
mkdir -p "$(dirname "$link")"
ln -sfn "$venv/bin/$command" "$link"
echo "tools: $command -> $venv ($package $version)"
