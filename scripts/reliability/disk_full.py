"""`senti score` on a full disk or an unwritable output: exit code 2, and nothing half-written
left under the output's name.

    python3 scripts/reliability/disk_full.py [--lines 20000]

Cases (the input: `--lines` JSONL lines of our own text, about 2.5 MB of results):
- a 256 KiB tmpfs (mounted by this script; needs root, else the two tmpfs cases are reported
  as not run): an existing output file there must keep its old content, a new one must not
  appear, and no temporary file may be left behind;
- `--output /dev/full` and standard output redirected to /dev/full (ENOSPC on write);
- an output in a directory that does not exist, and one on a read-only tmpfs;
- a control: the same input to a roomy directory exits 0 with one line per input line.
Each failure case must exit 2 with the error on stderr.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

WORDS = ["good", "bad", "not bad", "great", "awful", "so-so", "love it", "hate it"]


def score(args, stdout=None):
    p = subprocess.run([common.senti_bin(), "score"] + args, stdout=stdout or subprocess.PIPE,
                       stderr=subprocess.PIPE, env=common.clean_env())
    return p.returncode, p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]


def mount_tmpfs(path, opts):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path], capture_output=True)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.jsonl")
        with open(src, "w") as f:
            for i in range(args.lines):
                f.write(json.dumps({"id": i, "text": f"line {i}: {WORDS[i % len(WORDS)]}"}) + "\n")

        # Control: enough room.
        ok_out = os.path.join(tmp, "ok.jsonl")
        rc, err = score(["--input", src, "--output", ok_out])
        with open(ok_out) as f:
            n = sum(1 for _ in f)
        cases["roomy disk (control)"] = {"exit": rc, "lines": n,
                                         "ok": rc == 0 and n == args.lines}

        full = os.path.join(tmp, "full")
        if mount_tmpfs(full, "size=256k"):
            try:
                old = os.path.join(full, "old.jsonl")
                with open(old, "w") as f:
                    f.write("OLD\n")
                rc, err = score(["--input", src, "--output", old])
                with open(old) as f:
                    kept = f.read() == "OLD\n"
                left = sorted(set(os.listdir(full)) - {"old.jsonl"})
                cases["full tmpfs, existing output"] = {
                    "exit": rc, "stderr": err[0], "old_content_kept": kept, "left_behind": left,
                    "ok": rc == 2 and kept and not left}
                rc, err = score(["--input", src, "--output", os.path.join(full, "new.jsonl")])
                left = sorted(set(os.listdir(full)) - {"old.jsonl"})
                cases["full tmpfs, new output"] = {
                    "exit": rc, "stderr": err[0], "left_behind": left,
                    "ok": rc == 2 and not left}
            finally:
                umount(full)
        else:
            cases["full tmpfs"] = {"ok": None, "note": "not run: mounting a tmpfs needs root"}

        rc, err = score(["--input", src, "--output", "/dev/full"])
        cases["--output /dev/full"] = {"exit": rc, "stderr": err[0], "ok": rc == 2}
        with open("/dev/full", "wb") as devfull:
            rc, err = score(["--input", src], stdout=devfull)
        cases["stdout to /dev/full"] = {"exit": rc, "stderr": err[0], "ok": rc == 2}
        rc, err = score(["--input", src, "--output", os.path.join(tmp, "no", "such", "dir.jsonl")])
        cases["output directory missing"] = {"exit": rc, "stderr": err[0], "ok": rc == 2}
        ro = os.path.join(tmp, "ro")
        if mount_tmpfs(ro, "ro,size=64k"):
            try:
                rc, err = score(["--input", src, "--output", os.path.join(ro, "out.jsonl")])
                cases["read-only filesystem"] = {"exit": rc, "stderr": err[0], "ok": rc == 2}
            finally:
                umount(ro)
    for name, c in cases.items():
        print(f"{'ok ' if c['ok'] else ('-- ' if c['ok'] is None else 'BAD')} {name}: {c}")
    ran = [c for c in cases.values() if c["ok"] is not None]
    passed = all(c["ok"] for c in ran)
    failing = [k for k, c in cases.items() if c["ok"] is not None and "control" not in k]
    common.write_row(
        "disk_full",
        save=not args.no_row,
        load=f"senti score, {args.lines} JSONL lines (about 2.5 MB of results)",
        fault="output on a full 256 KiB tmpfs (existing and new file), /dev/full, stdout to "
              "/dev/full, a missing directory, a read-only tmpfs",
        bad_input="-",
        result=f"exit 2 in {sum(cases[k]['ok'] for k in failing)} of {len(failing)} failure "
               f"cases; an existing output kept its old content, no partial or temporary "
               f"file left; control exit {cases['roomy disk (control)']['exit']} with "
               f"{cases['roomy disk (control)']['lines']} lines"
               + ("" if len(ran) == len(cases) else "; tmpfs cases not run (needs root)"),
        passed=passed,
        figures=cases,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
