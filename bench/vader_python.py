"""Python vaderSentiment 3.3.2 on the same preloaded texts as the Rust throughput bench.

Prints one JSON object: sentences/second on one thread (best and median of rounds lasting at
least SENTI_BENCH_SECS seconds in all). Scoring time only: the texts are read before timing.
"""
import json
import os
import sys
import time
from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

FILES = ["tweets_GroundTruth.txt", "movieReviewSnippets_GroundTruth.txt",
         "amazonReviewSnippets_GroundTruth.txt", "nytEditorialSnippets_GroundTruth.txt"]


def load(data_dir):
    texts = []
    for name in FILES:
        with open(os.path.join(data_dir, name), "rb") as f:
            for line in f.read().decode("utf-8").split("\n"):
                if line.endswith("\r"):
                    line = line[:-1]
                if not line:
                    continue
                parts = line.split("\t", 2)
                if len(parts) == 3:
                    texts.append(parts[2])
    return texts


def main():
    assert version("vaderSentiment") == "3.3.2", version("vaderSentiment")
    data_dir = sys.argv[1]
    secs = float(os.environ.get("SENTI_BENCH_SECS", "5"))
    texts = load(data_dir)
    a = SentimentIntensityAnalyzer()
    for t in texts[:2000]:
        a.polarity_scores(t)
    rates = []
    start = time.perf_counter()
    while time.perf_counter() - start < secs or len(rates) < 3:
        t0 = time.perf_counter()
        for t in texts:
            a.polarity_scores(t)
        rates.append(len(texts) / (time.perf_counter() - t0))
    rates.sort()
    print(json.dumps({
        "sentences": len(texts),
        "python": sys.version.split()[0],
        "vaderSentiment": version("vaderSentiment"),
        "single_thread_sentences_per_s": {"best": rates[-1], "median": rates[len(rates) // 2]},
    }))


if __name__ == "__main__":
    main()
