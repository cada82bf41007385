"""Writes the four VADER ground-truth files' sentences as JSONL lines {"id": N, "text": ...},
cycling through them, for the `senti score` benchmarks (bench/score_memory.sh,
bench/score_speed.sh).

usage: groundtruth_jsonl.py DATA_DIR OUT (--mb N | --copies N)
  --mb N      stop once the file holds at least N * 10^6 bytes
  --copies N  exactly N passes over the sentences
"""
import argparse
import json
import os

FILES = ["tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets"]


def texts(data):
    out = []
    for name in FILES:
        raw = open(os.path.join(data, name + "_GroundTruth.txt"), "rb").read().decode("utf-8")
        for line in raw.split("\n"):
            parts = line.rstrip("\r").split("\t", 2)
            if len(parts) == 3:
                out.append(parts[2])
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("out")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--mb", type=int)
    size.add_argument("--copies", type=int)
    a = p.parse_args()
    ts = texts(a.data)
    with open(a.out, "w", encoding="utf-8") as out:
        n = 0
        while (out.tell() < a.mb * 1_000_000) if a.mb is not None else (n < a.copies * len(ts)):
            out.write(json.dumps({"id": n, "text": ts[n % len(ts)]}, ensure_ascii=False) + "\n")
            n += 1


if __name__ == "__main__":
    main()
