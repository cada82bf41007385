"""Python jieba 0.42.1 on the same preloaded texts as crates/senti-zh/benches/segment.rs.

Prints one JSON object: characters/second per mode (lcut, lcut HMM=False, lcut cut_all=True,
lcut_for_search; one call per text; best and median of passes lasting at least
SENTI_BENCH_SECS seconds per mode, at least three passes, as on the Rust side), and start-up: `import jieba` and
`jieba.initialize()` (which loads jieba's marshal cache from the temp directory when present,
else parses dict.txt and writes it).
"""
import json
import logging
import os
import sys
import time

t0 = time.perf_counter()
import jieba  # noqa: E402

t_import = time.perf_counter() - t0


def load(paths):
    texts = []
    for p in paths:
        with open(p, "rb") as f:
            lines = f.read().decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        texts += lines
    return texts


def main():
    assert jieba.__version__ == "0.42.1", jieba.__version__
    jieba.setLogLevel(logging.WARNING)
    cache = os.path.join(jieba.dt.tmp_dir or __import__("tempfile").gettempdir(), "jieba.cache")
    had_cache = os.path.exists(cache)
    t0 = time.perf_counter()
    jieba.initialize()
    t_init = time.perf_counter() - t0
    texts = load(sys.argv[1:])
    chars = sum(len(t) for t in texts)
    secs = float(os.environ.get("SENTI_BENCH_SECS", "3"))
    modes = {
        "hmm": lambda s: jieba.lcut(s),
        "no_hmm": lambda s: jieba.lcut(s, HMM=False),
        "all": lambda s: jieba.lcut(s, cut_all=True),
        "search": lambda s: jieba.lcut_for_search(s),
    }
    out = {}
    for name, f in modes.items():
        rates = []
        start = time.perf_counter()
        while time.perf_counter() - start < secs or len(rates) < 3:
            t = time.perf_counter()
            for s in texts:
                f(s)
            rates.append(chars / (time.perf_counter() - t))
        rates.sort()
        out[name] = {"chars_per_s_best": round(rates[-1]), "chars_per_s_median": round(rates[len(rates) // 2]),
                     "passes": len(rates)}
    print(json.dumps({
        "texts": len(texts), "chars": chars,
        "startup": {"import_s": t_import, "initialize_s": t_init, "cache_present": had_cache},
        "modes": out,
    }))


if __name__ == "__main__":
    main()
