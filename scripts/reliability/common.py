"""Shared parts of the reliability scripts: start a senti on a free loopback port, measure
latency from a separate process, and write each script's result as one row of RELIABILITY.md.

Every script here is bounded in time, talks only to 127.0.0.1, and stops what it started.
A result row is a JSON file under bench/results/reliability/ (see `write_row`); report.py
turns the rows into RELIABILITY.md, so the table only ever holds what a script measured.
"""

import datetime
import json
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULTS = os.path.join(ROOT, "bench", "results", "reliability")


def senti_bin():
    return os.environ.get("SENTI_BIN", os.path.join(ROOT, "target", "debug", "senti"))


def clean_env(extra=None):
    """The environment without SENTI_* variables (default settings), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTI_")}
    env.update(extra or {})
    return env


class Senti:
    """A `senti serve` child process on a free port; its log goes to a temporary file."""

    def __init__(self, *args, env=None, grpc=False, cpus=None):
        self.log = tempfile.NamedTemporaryFile(prefix="senti-", suffix=".log", delete=False)
        cmd = [senti_bin(), "serve", "--addr", "127.0.0.1:0"]
        if not grpc:
            cmd += ["--grpc-addr", "off"]
        cmd += list(args)
        cmd = pinned(cpus, cmd)
        self.cmd = cmd
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env=clean_env(env), cwd=ROOT
        )
        self.addr = None
        deadline = time.time() + 60
        while time.time() < deadline:
            m = re.search(rb"listening[^\n]*?(127\.0\.0\.1:\d+)", self.read_log())
            if m:
                self.addr = m.group(1).decode()
                break
            if self.proc.poll() is not None:
                raise RuntimeError("senti exited before listening:\n" + self.read_log().decode())
            time.sleep(0.05)
        if self.addr is None:
            self.stop()
            raise RuntimeError("senti did not report its address")
        self.host, port = self.addr.split(":")
        self.port = int(port)
        self.url = f"http://{self.addr}"
        self.wait_ready()

    def read_log(self):
        with open(self.log.name, "rb") as f:
            return f.read()

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.url}/readyz did not answer 200")

    def metrics(self):
        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as r:
            return r.read().decode()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def pinned(cpus, cmd):
    """`cmd` run on `cpus` (taskset), or as it is when `cpus` is None."""
    return (["taskset", "-c", cpus] if cpus else []) + cmd


def cpu_sets():
    """(the server's and measurer's CPUs, the attacker's CPUs) for taskset, so that a load
    generator's own CPU use does not land on the server's cores: on 2 CPUs "0" and "1"; on
    more, the first half and the rest; None on one CPU."""
    n = len(os.sched_getaffinity(0))
    if n < 2:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    half = n // 2
    fmt = lambda c: ",".join(map(str, c))  # noqa: E731
    return fmt(cpus[:half]), fmt(cpus[half:])


def metric(text, series):
    """The value of one series (`name{labels}` exactly as exposed) in a /metrics text, or 0."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quantile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def hardware():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {cpu}"


def write_row(name, *, load, fault, bad_input, result, passed, figures, command=None, save=True):
    """Writes bench/results/reliability/<name>.json: one row of RELIABILITY.md.

    `load`: the traffic during the test; `fault`: what was broken; `bad_input`: what the
    clients sent wrong (or "-"); `result`: the outcome in words with its figures; `passed`:
    whether the script's goal held; `figures`: the raw numbers, kept for whoever re-reads.
    `save=False` (a script's --no-row, as CI runs them): only print the verdict.
    """
    mark = "PASS" if passed else "FAIL"
    if not save:
        print(f"{mark} {name}: {result}")
        return None
    os.makedirs(RESULTS, exist_ok=True)
    row = {
        "name": name,
        "load": load,
        "fault": fault,
        "bad_input": bad_input,
        "result": result,
        "passed": bool(passed),
        "figures": figures,
        "command": command or "python3 " + " ".join(
            shlex.quote(os.path.relpath(a, ROOT) if a.startswith(ROOT) else a) for a in sys.argv
        ),
        "binary": os.path.relpath(senti_bin(), ROOT) if senti_bin().startswith(ROOT) else senti_bin(),
        "hardware": hardware(),
        "at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with open(os.path.join(RESULTS, name + ".json"), "w") as f:
        json.dump(row, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{mark} {name}: {result}")
    return row


def finish(passed):
    sys.exit(0 if passed else 1)
