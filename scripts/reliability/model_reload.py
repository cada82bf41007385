"""Corrupt model versions during hot reload, under load: zero failed requests.

    python3 scripts/reliability/model_reload.py [--clients 8]

Needs ONNX Runtime (`export ORT_DYLIB_PATH=$(bash scripts/ort-env.sh)`; the script runs that
itself when the variable is unset). A model repository in a temporary directory starts with
the reference model (the highest version in `models/zh-textcnn/`) as version 1; senti serves it as the default model.
While `--clients` threads POST Chinese texts back to back, new versions are written and the
admin route reloads after each: 2, random bytes as the graph; 3, the graph cut in half; 4, a
config.json that is not JSON; 5, a tokenizer.json that is not JSON; 6, the good model again.
Goals: every request answered 200 by the model (backend onnx), versions 2-5 reported failed
while version 1 serves on, version 6 serving at the end, and its answers seen.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

TEXTS = ["这家店的菜很好吃，下次还来", "服务太差了，等了一个小时", "还行吧，一般般", "物流很快，包装完好"]
_ZH = os.path.join(common.ROOT, "models", "zh-textcnn")
# the highest committed version of the reference model
MODEL = os.path.join(_ZH, max((d for d in os.listdir(_ZH) if d.isdigit()), key=int))


def client(senti, stop, out, lock):
    c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
    local = {"ok": 0, "failed": 0, "versions": {}, "errors": []}
    i = 0
    while not stop.is_set():
        body = json.dumps({"text": TEXTS[i % len(TEXTS)]}).encode()
        i += 1
        try:
            c.request("POST", "/v1/sentiment", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            doc = json.loads(data) if r.status == 200 else None
            if doc and doc.get("backend") == "onnx":
                local["ok"] += 1
                v = doc.get("model", "?")
                local["versions"][v] = local["versions"].get(v, 0) + 1
            else:
                local["failed"] += 1
                local["errors"].append(f"{r.status} {data[:160]!r}")
        except (OSError, http.client.HTTPException, ValueError) as e:
            local["failed"] += 1
            local["errors"].append(f"{type(e).__name__}: {e}")
            c.close()
            c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
    with lock:
        out["ok"] += local["ok"]
        out["failed"] += local["failed"]
        out["errors"] += local["errors"][:5]
        for v, n in local["versions"].items():
            out["versions"][v] = out["versions"].get(v, 0) + n


def versions(senti):
    with urllib.request.urlopen(senti.url + "/v1/models", timeout=10) as r:
        doc = json.loads(r.read())
    m = doc["models"][0]
    return m.get("serving"), {v["version"]: v for v in m["versions"]}


def reload(senti, token):
    req = urllib.request.Request(senti.url + "/admin/models/zh/reload", method="POST",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status


def write_version(repo, n, corrupt):
    d = os.path.join(repo, "zh", str(n))
    tmp = d + ".tmp"
    shutil.copytree(MODEL, tmp)
    graph = next(os.path.join(tmp, f) for f in ("model.onnx", "model_quantized.onnx")
                 if os.path.exists(os.path.join(tmp, f)))
    if corrupt == "random":
        with open(graph, "wb") as f:
            f.write(os.urandom(os.path.getsize(graph)))
    elif corrupt == "truncated":
        size = os.path.getsize(graph)
        with open(graph, "r+b") as f:
            f.truncate(size // 2)
    elif corrupt == "config":
        with open(os.path.join(tmp, "config.json"), "w") as f:
            f.write('{"id2label": {"0": "negative", ')
    elif corrupt == "tokenizer":
        with open(os.path.join(tmp, "tokenizer.json"), "w") as f:
            f.write("not json at all")
    os.rename(tmp, d)  # atomic: the repository never sees a half-copied version


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()
    env = {}
    if not os.environ.get("ORT_DYLIB_PATH"):
        env["ORT_DYLIB_PATH"] = subprocess.run(
            ["bash", os.path.join(common.ROOT, "scripts", "ort-env.sh")],
            capture_output=True, text=True, check=True).stdout.strip()
    else:
        env["ORT_DYLIB_PATH"] = os.environ["ORT_DYLIB_PATH"]
    token = secrets.token_hex(16)
    steps = [(2, "random"), (3, "truncated"), (4, "config"), (5, "tokenizer"), (6, None)]
    seen = {}
    with tempfile.TemporaryDirectory() as repo:
        os.makedirs(os.path.join(repo, "zh"))
        shutil.copytree(MODEL, os.path.join(repo, "zh", "1"))
        with common.Senti("--model-repo", repo, "--model", "zh", "--admin-token", token,
                          "--model-poll-ms", "0", "--model-settle-ms", "100",
                          "--model-versions", "1", "--access-log-sample", "0",
                          env=env) as senti:
            out = {"ok": 0, "failed": 0, "versions": {}, "errors": []}
            stop, lock = threading.Event(), threading.Lock()
            threads = [threading.Thread(target=client, args=(senti, stop, out, lock))
                       for _ in range(args.clients)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            for n, corrupt in steps:
                write_version(repo, n, corrupt)
                time.sleep(0.3)  # past the settle time
                status = reload(senti, token)
                deadline = time.time() + 30
                while time.time() < deadline:
                    serving, vs = versions(senti)
                    state = vs.get(n, {}).get("state")
                    if state in ("failed", "ready"):
                        break
                    time.sleep(0.1)
                seen[n] = {"corrupt": corrupt, "reload_status": status, "state": state,
                           "serving_after": serving, "reason": vs.get(n, {}).get("error")}
                print(f"version {n} ({corrupt or 'good'}): {state}, serving {serving}", flush=True)
                time.sleep(0.5)
            time.sleep(1.0)
            stop.set()
            for t in threads:
                t.join(60)
            alive = senti.proc.poll() is None
    bad_ok = all(seen[n]["state"] == "failed" and seen[n]["serving_after"] == 1
                 for n, c in steps if c)
    good_ok = seen[6]["state"] == "ready" and seen[6]["serving_after"] == 6
    passed = (out["failed"] == 0 and out["ok"] > 0 and bad_ok and good_ok and alive
              and out["versions"].get("zh@6", 0) > 0)
    for e in out["errors"][:10]:
        print("  " + e)
    figures = {"clients": args.clients, "answered": out["ok"], "failed": out["failed"],
               "answers_by_version": out["versions"], "versions": seen,
               "errors": out["errors"][:10]}
    common.write_row(
        "model_reload",
        save=not args.no_row,
        load=f"{args.clients} closed-loop clients scoring Chinese texts with the model "
             "zh-textcnn",
        fault="4 corrupt versions (random graph, truncated graph, bad config.json, bad "
              "tokenizer.json), then a good one, each hot-reloaded mid-load",
        bad_input="-",
        result=f"{out['failed']} failed of {out['ok'] + out['failed']}; versions 2-5 "
               f"{'failed to load, version 1 serving on' if bad_ok else 'NOT all refused'}; "
               f"version 6 {'swapped in' if good_ok else 'NOT serving'} "
               f"({out['versions'].get('zh@6', 0)} answers from it)",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
