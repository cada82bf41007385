#!/usr/bin/env python3
"""Checks the Grafana dashboard and the Prometheus alert rules against the metrics senti exports.

- The metric families senti registers are read from the Rust sources (every
  `registry.register("name", "help", handle.clone())`, the registry's `with_prefix`, and the
  handle's declared type: Counter, Gauge or Histogram), and expanded to the series names
  Prometheus stores (counter: NAME_total; histogram: NAME_bucket, NAME_sum, NAME_count).
- Every metric named in a dashboard target or an alert expression must be one of those (or a
  series Prometheus makes itself, such as `up`).
- The dashboard: JSON that loads, a uid and a schemaVersion, unique panel ids, every panel
  (rows aside) with the provisioned Prometheus datasource and at least one target with an
  expression; every alert: `for`, a severity label, summary and description annotations.
- With --promtool, every dashboard expression (Grafana's variables replaced) is parsed by
  promtool, as a recording rule of a throwaway rules file.
- With --exposition-from BIN, BIN (senti) is started on a free port, sent a few requests, and
  its real /metrics must agree with the sources: each family it prints is one read from
  the sources, of the same type, and each sample name is one of the expanded names.

Usage: check_metrics.py [--promtool PROMTOOL] [--exposition-from target/debug/senti]
Exit status 1 with one line per problem.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "deploy/grafana/dashboards/senti.json"
DATASOURCES = ROOT / "deploy/grafana/provisioning/datasources/prometheus.yaml"
ALERTS = ROOT / "deploy/prometheus/alerts.yml"
SOURCES = ROOT / "crates"

# Series Prometheus itself adds to every scrape target.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
SEVERITIES = {"critical", "warning", "info"}

PROMQL_WORDS = {
    # aggregations and their modifiers
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio", "by", "without",
    # binary operators and vector matching
    "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "atan2",
    # functions
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp",
    "floor", "histogram_quantile", "histogram_count", "histogram_sum", "histogram_fraction",
    "holt_winters", "hour", "idelta", "increase", "irate", "label_join", "label_replace", "ln",
    "log2", "log10", "minute", "month", "predict_linear", "rate", "resets", "round", "scalar",
    "sgn", "sort", "sort_desc", "sqrt", "time", "timestamp", "vector", "year",
    "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
    "quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time",
    "present_over_time", "inf", "nan",
}


def registered_metrics():
    """{family name: kind} from the Rust sources."""
    prefixes = set()
    families = {}
    problems = []
    for path in sorted(SOURCES.rglob("*.rs")):
        if "tests" in path.relative_to(SOURCES).parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "sub_registry" in text:
            problems.append(f"{path.relative_to(ROOT)}: sub_registry is not understood by this check")
        prefixes.update(re.findall(r'Registry::with_prefix\(\s*"([^"]+)"\s*\)', text))
        calls = re.finditer(
            r'\.register\(\s*"([A-Za-z_:][A-Za-z0-9_:]*)"\s*,\s*"(?:[^"\\]|\\.)*"\s*,\s*'
            r"([A-Za-z_][A-Za-z0-9_.]*)\.clone\(\)\s*,?\s*\)",
            text,
        )
        for m in calls:
            name, handle = m.group(1), m.group(2).split(".")[-1]
            kind = handle_kind(text, handle)
            if kind is None:
                problems.append(
                    f"{path.relative_to(ROOT)}: cannot tell whether {name} ({handle}) is a "
                    "Counter, Gauge or Histogram"
                )
                continue
            families[name] = kind
    if len(prefixes) != 1:
        problems.append(f"expected one Registry::with_prefix in the sources, found {sorted(prefixes)}")
        return {}, problems
    prefix = prefixes.pop()
    if not families:
        problems.append("no metric registrations found in the sources")
    return {f"{prefix}_{n}": k for n, k in families.items()}, problems


def declared_type(text, pos):
    """The type text after `name:` at pos, up to a comma, semicolon or newline at depth 0."""
    depth, out, i = 0, [], pos
    while i < len(text):
        if text.startswith("->", i):
            out.append("->")
            i += 2
            continue
        c = text[i]
        if c in "<([":
            depth += 1
        elif c in ">)]":
            depth -= 1
        elif c in ",;\n" and depth <= 0:
            break
        out.append(c)
        i += 1
    return "".join(out).strip()


def kind_of(type_text, aliases):
    head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", type_text)
    if head and head.group(0) in aliases:
        type_text = aliases[head.group(0)]
    for kind in ("Histogram", "Counter", "Gauge"):
        if re.search(rf"\b{kind}\b", type_text):
            return kind.lower()
    return None


def handle_kind(text, handle):
    aliases = dict(re.findall(r"\btype\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^;]+);", text))
    kinds = set()
    for m in re.finditer(rf"(?<![A-Za-z0-9_.]){re.escape(handle)}\s*:(?!:)\s*", text):
        k = kind_of(declared_type(text, m.end()), aliases)
        if k:
            kinds.add(k)
    return kinds.pop() if len(kinds) == 1 else None


def series_names(families):
    names = {}
    for fam, kind in families.items():
        if kind == "counter":
            names[f"{fam}_total"] = fam
        elif kind == "histogram":
            for s in ("_bucket", "_sum", "_count"):
                names[fam + s] = fam
        else:
            names[fam] = fam
    return names


def metric_names(expr):
    """Metric names in a PromQL expression (strings, matchers, groupings, ranges removed)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", " ", e)
    names = []
    for m in re.finditer(r"(?<![A-Za-z0-9_.$])([A-Za-z_:][A-Za-z0-9_:]*)", e):
        word = m.group(1)
        if word.lower() in PROMQL_WORDS:
            continue
        if re.match(r"\d", word):
            continue
        names.append(word)
    return names


def check_expr(where, expr, known, problems):
    if not expr or not expr.strip():
        problems.append(f"{where}: empty expression")
        return
    found = metric_names(expr)
    if not found:
        problems.append(f"{where}: no metric in {expr!r}")
    for name in found:
        if name not in known and name not in PROMETHEUS_SERIES:
            problems.append(f"{where}: {name} is not a metric senti exports")


def dashboard_panels(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", []) if p.get("type") == "row" else []


def check_dashboard(known, problems):
    try:
        dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        problems.append(f"{DASHBOARD.relative_to(ROOT)}: does not load: {e}")
        return []
    uids = {d["uid"] for d in yaml.safe_load(DATASOURCES.read_text())["datasources"]
            if d.get("type") == "prometheus"}
    for key in ("uid", "title", "schemaVersion", "panels"):
        if key not in dash:
            problems.append(f"dashboard: no {key}")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 39:
        problems.append("dashboard: schemaVersion should be at least 39 (Grafana 11)")
    exprs, ids = [], set()
    for var in dash.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            if var.get("datasource", {}).get("uid") not in uids:
                problems.append(f"dashboard variable {var.get('name')}: datasource is not the provisioned one {sorted(uids)}")
            q = var.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            inner = re.fullmatch(r"\s*label_values\((.*),\s*[A-Za-z_]+\)\s*", q or "")
            check_expr(f"dashboard variable {var.get('name')}", inner.group(1) if inner else "", known, problems)
    for p in dashboard_panels(dash):
        title = f"dashboard panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            problems.append(f"{title}: duplicate id")
        ids.add(p.get("id"))
        if "gridPos" not in p:
            problems.append(f"{title}: no gridPos")
        if p.get("type") == "row":
            continue
        ds = p.get("datasource") or {}
        if ds.get("type") != "prometheus" or ds.get("uid") not in uids:
            problems.append(f"{title}: datasource {ds} is not the provisioned Prometheus {sorted(uids)}")
        targets = p.get("targets") or []
        if not targets:
            problems.append(f"{title}: no target")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            problems.append(f"{title}: duplicate refId")
        for t in targets:
            tds = t.get("datasource") or ds
            if tds.get("uid") not in uids:
                problems.append(f"{title} target {t.get('refId')}: datasource {tds} is not provisioned")
            check_expr(f"{title} target {t.get('refId')}", t.get("expr"), known, problems)
            exprs.append((f"panel_{p.get('id')}_{t.get('refId')}", t.get("expr") or ""))
    return exprs


def check_alerts(known, problems):
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    count = 0
    for g in rules.get("groups", []):
        for r in g.get("rules", []):
            if "alert" not in r:
                continue
            count += 1
            name = f"alert {r['alert']}"
            if not r.get("for"):
                problems.append(f"{name}: no `for`")
            if r.get("labels", {}).get("severity") not in SEVERITIES:
                problems.append(f"{name}: severity label should be one of {sorted(SEVERITIES)}")
            for a in ("summary", "description"):
                if not r.get("annotations", {}).get(a):
                    problems.append(f"{name}: no {a} annotation")
            check_expr(name, r.get("expr"), known, problems)
    if count == 0:
        problems.append(f"{ALERTS.relative_to(ROOT)}: no alerts")


def grafana_to_promql(expr):
    return (expr.replace("$__rate_interval", "5m").replace("$__range", "1h")
            .replace("$__interval", "1m").replace("$instance", ".*").replace("$route", ".*"))


def check_promql_syntax(promtool, exprs, problems):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:{n}", "expr": grafana_to_promql(e)} for n, e in exprs]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(rules, f)
    try:
        r = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        problems.append(f"promtool rejects a dashboard expression:\n{r.stdout}{r.stderr}")


# Straight to 127.0.0.1, whatever proxy the environment names.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(port, method, path, body=None):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else body.encode(),
        headers={"content-type": "application/json"} if body is not None else {},
    )
    try:
        with OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def exposition(binary):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTI_")}
    # Lexicon caching on and a Redis that refuses connections, so the cache and breaker
    # families have children too.
    proc = subprocess.Popen(
        [binary, "serve", "--addr", f"127.0.0.1:{port}", "--grpc-addr", "off",
         "--cache-lexicon", "--redis-url", "redis://127.0.0.1:1", "--log-level", "warn"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError(f"{binary} exited with {proc.returncode}: {proc.stderr.read()}")
            try:
                if http(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"{binary} did not answer /healthz")
        for method, path, body, want in [
            ("POST", "/v1/sentiment", '{"text": "good"}', 200),
            ("POST", "/v1/sentiment", '{"text": "good"}', 200),
            ("POST", "/v1/sentiment/batch", '{"items": [{"id": 1, "text": "great"}, {"id": 2, "text": "awful"}]}', 200),
            ("POST", "/v1/rooms/r1/comments", '[{"id": "1", "text": "so boring"}]', 202),
            ("POST", "/v1/sentiment", "{not json", 400),
            ("GET", "/no/such/route", None, 404),
        ]:
            status, text = http(port, method, path, body)
            if status != want:
                raise RuntimeError(f"{method} {path}: {status} (wanted {want}): {text}")
        status, text = http(port, "GET", "/metrics")
        if status != 200:
            raise RuntimeError(f"GET /metrics: {status}")
        return text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def check_exposition(binary, families, names, problems):
    try:
        text = exposition(binary)
    except (RuntimeError, OSError) as e:
        problems.append(f"exposition: {e}")
        return
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    before = len(problems)
    for fam, kind in types.items():
        if fam not in families:
            problems.append(f"exposition: {fam} ({kind}) is exported but not found in the sources")
        elif families[fam] != kind:
            problems.append(f"exposition: {fam} is a {kind}, the sources say {families[fam]}")
    samples = {re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0)
               for line in text.splitlines() if line and not line.startswith("#")}
    for name in sorted(samples - set(names)):
        problems.append(f"exposition: sample {name} is not an expanded source name")
    # The requests above touch at least these: the exposition must show them.
    for must in ("http_requests", "http_request_duration_seconds", "http_requests_in_flight",
                 "analyze_duration_seconds", "texts", "errors", "http_connections_open",
                 "cache_lookups", "cache_lookup_duration_seconds"):
        if f"senti_{must}" not in types:
            problems.append(f"exposition: senti_{must} is missing after the requests")
    if len(problems) == before:
        print(f"exposition of {binary}: {len(types)} families, all found in the sources")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--promtool", help="promtool, to parse the dashboard's expressions")
    ap.add_argument("--exposition-from", metavar="BIN", help="a senti binary to start and scrape")
    args = ap.parse_args()
    families, problems = registered_metrics()
    names = series_names(families)
    exprs = check_dashboard(names, problems)
    check_alerts(names, problems)
    if args.promtool:
        check_promql_syntax(args.promtool, exprs, problems)
    if args.exposition_from:
        check_exposition(args.exposition_from, families, names, problems)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        sys.exit(1)
    print(f"{len(families)} metric families in the sources; {len(exprs)} dashboard expressions "
          f"and the alert rules name only those")


if __name__ == "__main__":
    main()
