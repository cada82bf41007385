#!/usr/bin/env bash
# Validates the Kubernetes manifests against the Kubernetes schemas with kubernetes-validate
# (PyPI, pinned), in a venv of its own. (That the ConfigMap's senti.toml holds only settings
# senti knows is a unit test: senti-server's config tests.)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=deploy/.venv
[ -x "$venv/bin/kubernetes-validate" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubernetes-validate==1.37.0
}
"$venv/bin/kubernetes-validate" --strict deploy/kubernetes/*.yaml
