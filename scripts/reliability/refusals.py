"""Early refusals a client can read: bodies past the limit, sent by clients that write the
whole body before they read (Python's urllib), must still get the JSON 413, not a broken pipe.

    python3 scripts/reliability/refusals.py [--tries 200] [--lingering-time-ms 5000]

For each client (urllib, requests, curl; curl half the time without `Expect: 100-continue`,
so that it too sends everything before it reads), `--tries` POSTs with bodies from 1.1 to
8 MiB, spread evenly, to /v1/sentiment (one huge text), /v1/sentiment/batch (a batch of
200,000 items) and /v1/rooms/r/comments (NDJSON). Each must get status 413 with the error
body `{"error": {"code": "body_too_large", ...}}`. Then the same for 415 (a large body of the
wrong content type) and 408 (a body that stalls past --body-timeout-ms, then goes on), with
urllib. `--lingering-time-ms 0` turns the lingering close off, to see the failures it
prevents. Exit status 0 when every try got its answer.
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

MIB = 1 << 20
ROUTES = [
    ("/v1/sentiment", "application/json"),
    ("/v1/sentiment/batch", "application/json"),
    ("/v1/rooms/r/comments", "application/x-ndjson"),
]


def body_for(route, size):
    """A well-formed body of about `size` bytes for the route."""
    if route == "/v1/sentiment":
        head, tail = b'{"text": "', b'"}'
        return head + b"a" * (size - len(head) - len(tail)) + tail
    if route == "/v1/sentiment/batch":
        # 200,000 items of ~13 bytes is 2.6 MB; larger sizes pad the texts.
        n = 200_000
        per = max(1, (size - 20) // n - len('{"text":""},'))
        item = b'{"text":"' + b"x" * per + b'"},'
        items = item * n
        return b'{"items":[' + items[:-1] + b"]}"
    line = b'{"text": "gg wp"}\n'
    return line * (size // len(line) + 1)


def sizes(tries):
    lo, hi = int(1.1 * MIB), 8 * MIB
    return [lo + (hi - lo) * i // max(1, tries - 1) for i in range(tries)]


def check_body(raw, code):
    try:
        err = json.loads(raw)["error"]
        return err["code"] == code and isinstance(err["message"], str)
    except (ValueError, KeyError, TypeError):
        return False


def via_urllib(url, body, ctype):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def via_requests(session, url, body, ctype):
    r = session.post(url, data=body, headers={"Content-Type": ctype}, timeout=30)
    return r.status_code, r.content


def via_curl(url, path, ctype, expect):
    cmd = ["curl", "-sS", "--max-time", "30", "-o", "-", "-w", "\n%{http_code}",
           "-H", f"Content-Type: {ctype}", "--data-binary", f"@{path}", url]
    if not expect:
        cmd[1:1] = ["-H", "Expect:"]
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        raise OSError(f"curl exit {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    out, _, status = p.stdout.rpartition(b"\n")
    return int(status), out


def run_client(name, senti, tries, tmp):
    ok, failures = 0, {}
    session = None
    if name == "requests":
        import requests
        session = requests.Session()
    files = {}
    for i, size in enumerate(sizes(tries)):
        route, ctype = ROUTES[i % len(ROUTES)]
        url = senti.url + route
        body = body_for(route, size)
        try:
            if name == "urllib":
                status, raw = via_urllib(url, body, ctype)
            elif name == "requests":
                status, raw = via_requests(session, url, body, ctype)
            else:
                key = (route, size)
                if key not in files:
                    files[key] = os.path.join(tmp, f"body-{i}")
                    with open(files[key], "wb") as f:
                        f.write(body)
                status, raw = via_curl(url, files[key], ctype, expect=i % 2 == 0)
                os.unlink(files.pop(key))
            if status == 413 and check_body(raw, "body_too_large"):
                ok += 1
            else:
                failures[f"status {status}"] = failures.get(f"status {status}", 0) + 1
        except Exception as e:  # a broken pipe, a reset: what this test is about
            kind = type(e).__name__
            if hasattr(e, "reason"):
                kind += f"({type(e.reason).__name__})"
            failures[kind] = failures.get(kind, 0) + 1
    return ok, failures


def unsupported_type(senti, tries):
    ok, failures = 0, {}
    for size in sizes(tries):
        try:
            status, raw = via_urllib(senti.url + "/v1/sentiment", b"z" * size, "text/plain")
            if status == 415 and check_body(raw, "unsupported_media_type"):
                ok += 1
            else:
                failures[f"status {status}"] = failures.get(f"status {status}", 0) + 1
        except Exception as e:
            failures[type(e).__name__] = failures.get(type(e).__name__, 0) + 1
    return ok, failures


def stalled_body(senti, tries, stall_s):
    """Half the body, a pause past the body timeout, then the rest; then read the answer."""
    ok, failures = 0, {}
    size = MIB // 2  # under the limit: the refusal is for the time, not the size
    body = body_for("/v1/sentiment", size)
    for _ in range(tries):
        try:
            c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
            c.putrequest("POST", "/v1/sentiment")
            c.putheader("Content-Type", "application/json")
            c.putheader("Content-Length", str(len(body)))
            c.endheaders()
            c.send(body[: size // 2])
            time.sleep(stall_s)
            c.send(body[size // 2:])
            r = c.getresponse()
            raw = r.read()
            c.close()
            if r.status == 408 and check_body(raw, "request_timeout"):
                ok += 1
            else:
                failures[f"status {r.status}"] = failures.get(f"status {r.status}", 0) + 1
        except Exception as e:
            failures[type(e).__name__] = failures.get(type(e).__name__, 0) + 1
    return ok, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tries", type=int, default=200, help="tries per client (default 200)")
    ap.add_argument("--slow-tries", type=int, default=10, help="408 tries (default 10)")
    ap.add_argument("--lingering-time-ms", type=int, default=None)
    ap.add_argument("--no-row", action="store_true", help="do not write the result row")
    args = ap.parse_args()

    extra = ["--body-timeout-ms", "300", "--access-log-sample", "0"]
    if args.lingering_time_ms is not None:
        extra += ["--lingering-time-ms", str(args.lingering_time_ms)]
    passed = True
    figures = {}
    started = time.time()
    with common.Senti(*extra) as senti, tempfile.TemporaryDirectory() as tmp:
        for client in ["urllib", "requests", "curl"]:
            t = time.time()
            ok, failures = run_client(client, senti, args.tries, tmp)
            figures[client] = {"tries": args.tries, "ok": ok, "failures": failures,
                               "seconds": round(time.time() - t, 1)}
            print(f"{client}: {ok}/{args.tries} got the JSON 413 {failures or ''}", flush=True)
            passed &= ok == args.tries
        ok, failures = unsupported_type(senti, max(1, args.tries // 10))
        figures["urllib_415"] = {"tries": max(1, args.tries // 10), "ok": ok, "failures": failures}
        print(f"urllib 415: {ok}/{max(1, args.tries // 10)} {failures or ''}", flush=True)
        passed &= not failures
        ok, failures = stalled_body(senti, args.slow_tries, 0.6)
        figures["urllib_408"] = {"tries": args.slow_tries, "ok": ok, "failures": failures}
        print(f"urllib 408: {ok}/{args.slow_tries} {failures or ''}", flush=True)
        passed &= not failures
        m = senti.metrics()
        figures["lingering_closes"] = common.metric(
            m, 'senti_http_connections_closed_by_server_total{code="lingering"}')
        alive = senti.proc.poll() is None
        passed &= alive
        rc = senti.stop()
        figures["exit_status"] = rc
        passed &= rc == 0
    figures["seconds"] = round(time.time() - started, 1)
    t = figures
    got = sum(t[c]["ok"] for c in ["urllib", "requests", "curl"])
    common.write_row(
        "refusals",
        save=not args.no_row,
        load="sequential POSTs, bodies 1.1-8 MiB (limit 1 MiB), 3 routes; urllib, requests, curl",
        fault="-",
        bad_input="bodies past max_body_bytes; a large text/plain body; a body stalled past the "
                  "body timeout",
        result=f"{got}/{3 * args.tries} got the JSON 413 (urllib {t['urllib']['ok']}, requests "
               f"{t['requests']['ok']}, curl {t['curl']['ok']} of {args.tries} each); 415 "
               f"{t['urllib_415']['ok']}/{t['urllib_415']['tries']}, 408 "
               f"{t['urllib_408']['ok']}/{t['urllib_408']['tries']}; "
               f"{int(t['lingering_closes'])} lingering closes; clean exit",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
