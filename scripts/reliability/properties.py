"""The proptest properties as one row of RELIABILITY.md: runs every crate's tests/properties.rs
and records which properties ran and passed.

    python3 scripts/reliability/properties.py

(CI runs the same tests inside `scripts/test.sh`; this script only records them.)
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()
    crates = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                    for p in glob.glob(os.path.join(common.ROOT, "crates", "*", "tests",
                                                    "properties.rs")))
    cmd = ["cargo", "test", "--locked", "--test", "properties"]
    for c in crates:
        cmd += ["-p", c]
    t0 = time.time()
    p = subprocess.run(cmd, cwd=common.ROOT, capture_output=True, text=True)
    secs = time.time() - t0
    out = p.stdout + p.stderr
    tests = re.findall(r"^test (\S+) \.\.\. (ok|FAILED)", out, re.M)
    passed_n = sum(1 for _, r in tests if r == "ok")
    cases = {}
    for path in glob.glob(os.path.join(common.ROOT, "crates", "*", "tests", "properties.rs")):
        with open(path) as f:
            m = re.findall(r"with_cases\((\d+)\)", f.read())
        cases[os.path.relpath(path, common.ROOT)] = [int(x) for x in m] or [256]
    passed = p.returncode == 0 and tests and passed_n == len(tests)
    print(out[-2000:] if not passed else f"{passed_n} properties passed in {secs:.0f} s")
    common.write_row(
        "properties",
        save=not args.no_row,
        load=f"proptest, {len(tests)} properties in {', '.join(crates)}",
        fault="-",
        bad_input="arbitrary Unicode texts (any code point, mixed scripts, empty), random batches",
        result=f"{passed_n} of {len(tests)} properties held (scores in range, offsets inside the "
               "text on character boundaries, cuts covering the text, batch results equal "
               "single results)",
        passed=passed,
        figures={"tests": tests, "cases_per_property": cases, "seconds": round(secs, 1)},
        command=" ".join(cmd),
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
