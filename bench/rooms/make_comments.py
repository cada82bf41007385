#!/usr/bin/env python3
"""Writes bench/rooms/comments.jsonl: 10,000 live-stream comments for the rooms benchmark.

Every phrase below is our own writing (no data set text). About 80% of the comments are
Chinese, the rest English; labels are mixed roughly 45% positive, 30% neutral, 25% negative.
Deterministic (fixed seed): rerunning writes the same file.

    python3 bench/rooms/make_comments.py
"""
import json
import random
from pathlib import Path

ZH_POS = ["主播太强了", "这波操作好秀", "笑死我了哈哈哈", "画质好清楚", "今天状态真好", "唱得真好听",
          "这个设计太赞了", "支持主播", "好看好看", "太牛了吧", "学到了，谢谢", "气氛太好了",
          "这局稳了", "真的很用心", "爱了爱了", "神操作", "解说很专业", "好耶"]
ZH_NEU = ["刚来，发生了什么", "几点下播", "这是第几局", "打卡", "在吗", "现在放的什么歌",
          "明天还播吗", "这个地图叫什么", "路过看看", "有回放吗", "主播用的什么键盘", "第一次来"]
ZH_NEG = ["太卡了", "好无聊啊", "这操作太菜了", "声音太小听不清", "又掉线了", "广告太多了",
          "画面糊成一片", "真的很失望", "别拖了快点", "这波太蠢了", "节奏好慢", "看不下去了"]
ZH_TAIL = ["", "", "", "！", "！！", "~", "哈哈", "。", "233", "？"]
EN_POS = ["what a play", "this is amazing", "love this stream", "great job", "so good", "nice one"]
EN_NEU = ["just got here", "what map is this", "first time here", "when is the next stream"]
EN_NEG = ["this is boring", "so laggy", "terrible audio", "worst round ever", "too many ads"]
EN_TAIL = ["", "", "!", "!!", " lol", "..."]


def comment(rng: random.Random) -> str:
    zh = rng.random() < 0.8
    r = rng.random()
    if zh:
        pool = ZH_POS if r < 0.45 else ZH_NEU if r < 0.75 else ZH_NEG
        return rng.choice(pool) + rng.choice(ZH_TAIL)
    pool = EN_POS if r < 0.45 else EN_NEU if r < 0.75 else EN_NEG
    return rng.choice(pool) + rng.choice(EN_TAIL)


def main() -> None:
    rng = random.Random(20261124)
    out = Path(__file__).with_name("comments.jsonl")
    with out.open("w", encoding="utf-8") as f:
        for i in range(10_000):
            f.write(json.dumps({"id": f"b{i}", "text": comment(rng)}, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
