"""Samples the resident memory of a process tree (a server's master and all its descendants).

    python3 rss_sampler.py ROOT_PID OUT_FILE [INTERVAL_S=0.1]

Every INTERVAL_S it writes "<seconds since start> <sum of VmRSS over the tree, KiB> <processes>"
to OUT_FILE. On SIGTERM/SIGINT (or when ROOT_PID is gone) it appends two summary lines:
  # peak_sum_vmrss_kib N   the maximum over time of the summed VmRSS samples
  # sum_vmhwm_kib N        the sum of VmHWM (each process's own peak RSS) over the processes
                           alive at the end, read before the server is stopped
  # sum_pss_end_kib N      the sum of Pss (shared pages split between the processes sharing
                           them) at the end: the fair figure for forked multi-process servers
Stdlib only; reads /proc.
"""

import os
import signal
import sys
import time


def children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return kids


def tree(root):
    seen, todo = [], [root]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo.extend(children(p))
    return seen


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    root, out = int(sys.argv[1]), sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    t0 = time.monotonic()
    peak = 0
    with open(out, "w") as f:
        f.write(f"# rss samples of the process tree rooted at pid {root}, every {interval}s\n")
        f.write("# t_s sum_vmrss_kib nprocs\n")
        while not stop and os.path.exists(f"/proc/{root}"):
            pids = tree(root)
            vals = [v for v in (status_kib(p, "VmRSS") for p in pids) if v is not None]
            total = sum(vals)
            peak = max(peak, total)
            f.write(f"{time.monotonic() - t0:.2f} {total} {len(vals)}\n")
            time.sleep(interval)
        pids = tree(root)
        hwm = [(p, status_kib(p, "VmHWM")) for p in pids]
        hwm = [(p, v) for p, v in hwm if v is not None]
        f.write(f"# processes at the end: {' '.join(f'{p}:{v}' for p, v in hwm)}\n")
        f.write(f"# peak_sum_vmrss_kib {peak}\n")
        f.write(f"# sum_vmhwm_kib {sum(v for _, v in hwm)}\n")
        f.write(f"# sum_pss_end_kib {sum(v for v in (pss_kib(p) for p in pids) if v is not None)}\n")


if __name__ == "__main__":
    main()
