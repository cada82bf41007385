"""No token and no body text in the logs.

    python3 scripts/reliability/log_secrets.py

senti runs with an admin token, every request logged (`--access-log-sample 1`), at log level
info and then debug. Requests whose bodies carry a marker string go to every route, well-formed
and not (bad JSON, wrong types, unknown fields, an over-long text, a bad room id, bad
NDJSON lines, a bad query), and the admin and profiling routes are called with the right
token, a wrong token that carries the marker, and none. (The access log names the route
template, or for a path no route matches, the path without its query.) Goals: neither the token nor the
marker appears anywhere in the log, while the log did record those requests (a log that says
nothing would pass trivially).
"""

import argparse
import http.client
import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def requests_for(marker, token):
    j = {"Content-Type": "application/json"}
    nd = {"Content-Type": "application/x-ndjson"}
    auth = {"Authorization": f"Bearer {token}"}
    wrong = {"Authorization": f"Bearer {marker}"}
    t = f"{marker} what a lovely day"
    return [
        ("POST", "/v1/sentiment", json.dumps({"text": t}), j),
        ("POST", "/v1/sentiment", json.dumps({"text": t, "lang": marker}), j),
        ("POST", "/v1/sentiment", json.dumps({"text": t, marker: 1}), j),
        ("POST", "/v1/sentiment", json.dumps({"text": 5, "domain": marker}), j),
        ("POST", "/v1/sentiment", '{"text": "' + marker + '"', j),
        ("POST", "/v1/sentiment", json.dumps({"text": marker * 20000}), j),
        ("POST", "/v1/sentiment", t, {"Content-Type": "text/plain"}),
        ("POST", "/v1/sentiment/batch", json.dumps({"items": [{"text": t}, {"txt": marker}]}), j),
        ("POST", "/v1/sentiment/batch", json.dumps({"items": [marker]}), j),
        ("POST", "/v1/segment", json.dumps({"text": t, "mode": marker}), j),
        ("POST", "/v1/segment", json.dumps({"text": t}), j),
        ("POST", "/v1/rooms/r1/comments", json.dumps([{"id": marker, "text": t}]), j),
        ("POST", "/v1/rooms/r1/comments", f'{{"id": "a", "text": "{t}"}}\n{marker}\n', nd),
        ("POST", f"/v1/rooms/{marker}%20x/comments", json.dumps([{"text": t}]), j),
        ("GET", f"/v1/rooms/r1?window={marker}", None, {}),
        ("GET", f"/v1/rooms/r1/events?comments={marker}", None, {}),
        ("POST", "/admin/models/x/reload", None, auth),
        ("POST", "/admin/models/x/reload", None, wrong),
        ("POST", "/admin/models/x/reload", None, {}),
        ("GET", f"/debug/pprof/profile?seconds={marker}", None, auth),
        ("GET", "/debug/pprof/profile?seconds=1", None, wrong),
        # A path no route matches is logged as it is (without its query): it is what an
        # operator needs to see, and not body text.
        ("GET", f"/nope?q={marker}", None, {}),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()
    token = "tok-" + secrets.token_hex(12)
    marker = "MARK" + secrets.token_hex(6)
    figures = {}
    passed = True
    for level in ["info", "debug"]:
        with common.Senti("--admin-token", token, "--access-log-sample", "1",
                          "--log-level", level) as senti:
            statuses = []
            for method, path, body, headers in requests_for(marker, token):
                c = http.client.HTTPConnection(senti.host, senti.port, timeout=10)
                try:
                    c.request(method, path, body.encode() if body else None, headers)
                    r = c.getresponse()
                    if path.endswith("/events?comments=" + marker) and r.status == 200:
                        r.close()
                    else:
                        r.read()
                    statuses.append(r.status)
                except (OSError, http.client.HTTPException) as e:
                    statuses.append(type(e).__name__)
                finally:
                    c.close()
            senti.stop()
            log = senti.read_log().decode(errors="replace")
        lines = [line for line in log.splitlines() if line.strip()]
        leaks = [line for line in lines if token in line or marker in line]
        logged_requests = sum('"status"' in line or "status=" in line for line in lines)
        figures[level] = {"requests": len(statuses), "statuses": statuses,
                          "log_lines": len(lines), "lines_with_a_status": logged_requests,
                          "leaks": leaks[:5]}
        ok = not leaks and logged_requests >= len(statuses) // 2
        passed &= ok
        print(f"{'ok ' if ok else 'BAD'} level {level}: {len(lines)} log lines, "
              f"{logged_requests} with a status, {len(leaks)} with the token or the marker")
        for line in leaks[:5]:
            print("   " + line[:300])
    n = len(requests_for(marker, token))
    common.write_row(
        "log_secrets",
        save=not args.no_row,
        load=f"{n} requests to every route, twice (log level info, then debug), every "
             "request logged",
        fault="-",
        bad_input="bodies, queries, paths and bearer tokens carrying a marker; bad JSON, "
                  "wrong types, unknown fields, bad NDJSON, over-long text",
        result=f"token and marker in 0 of {figures['info']['log_lines']} (info) and "
               f"{figures['debug']['log_lines']} (debug) log lines"
               if passed else
               f"LEAKS: {len(figures['info']['leaks'])} (info), "
               f"{len(figures['debug']['leaks'])} (debug) lines",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
