use super::features::{Kind, LEX_ID, feature_id};
use super::*;
use senti_core::Label;

fn c(text: &str) -> f64 {
    ZhSentiment::new().polarity_scores(text).compound
}

fn label(text: &str) -> Label {
    ZhSentiment::new().polarity_scores(text).label()
}

#[test]
fn model_is_trained() {
    let m = Model::parse(MODEL_BYTES);
    assert_eq!(m.buckets, features::BUCKETS);
    assert!(m.lex > 0.0);
}

#[test]
fn negation_flips() {
    assert_eq!(label("好"), Label::Positive);
    assert_eq!(label("不好"), Label::Negative);
    assert_eq!(label("这个很好看"), Label::Positive);
    assert_eq!(label("这个不好看"), Label::Negative);
    assert_eq!(label("一点都不好笑"), Label::Negative);
    assert_eq!(label("质量不错"), Label::Positive);
}

#[test]
fn degree_scales() {
    assert!(c("很好") > c("好"), "{} {}", c("很好"), c("好"));
    assert!(c("有点好") < c("好"));
    assert!(c("太差了") < c("差"));
    assert!(c("非常满意") > c("满意"));
}

#[test]
fn slang_emoji_kaomoji() {
    for t in [
        "yyds",
        "主播666",
        "awsl 好可爱",
        "哈哈哈哈哈",
        "绝了",
        "👍👍👍",
        "(≧∇≦)",
        "主播yyds！",
    ] {
        assert_eq!(label(t), Label::Positive, "{t}");
    }
    for t in ["无语", "呵呵", "服了", "破防了", "🙄", "😡", "QAQ", "退钱"] {
        assert_eq!(label(t), Label::Negative, "{t}");
    }
    assert!(c("主播666") > c("主播"));
    // Laughing 233 inside a number is not laughter.
    let mut f = Vec::new();
    ZhSentiment::new().features("12334", &mut f);
    assert!(f.iter().all(|x| x.kind != Kind::Lexicon));
}

#[test]
fn no_stance_is_neutral() {
    for t in ["前排打卡", "", "签到", "   "] {
        assert_eq!(label(t), Label::Neutral, "{t}: {}", c(t));
    }
    assert_eq!(c(""), 0.0);
}

#[test]
fn shares_are_consistent() {
    for t in ["好", "不好", "前排打卡", "房间很大，但是早餐太差"] {
        let s = ZhSentiment::new().polarity_scores(t);
        assert!((s.pos + s.neu + s.neg - 1.0).abs() < 1e-12);
        assert!((s.pos - s.neg - s.compound).abs() < 1e-12);
        assert!((-1.0..=1.0).contains(&s.compound));
    }
}

#[test]
fn features_are_stable() {
    // The trainer's ids: changing hashing or tags silently breaks the compiled model.
    assert_eq!(feature_id(b'W', "好"), feature_id(b'W', "好"));
    assert_ne!(feature_id(b'W', "好"), feature_id(b'N', "好"));
    assert_eq!(feature_id(b'W', "YYDS"), feature_id(b'W', "yyds"));
    let mut f = Vec::new();
    let zh = ZhSentiment::new();
    zh.features("很好", &mut f);
    // jieba: 很 / 好; the adverb is a feature of its own and scales the word after it.
    let w: Vec<_> = f
        .iter()
        .filter(|x| x.kind == Kind::Word)
        .map(|x| (x.id, x.value))
        .collect();
    assert_eq!(
        w,
        [(feature_id(b'W', "很"), 1.0), (feature_id(b'W', "好"), 1.3)]
    );
    // A token with the adverb glued on is split the same way.
    zh.features("非常棒", &mut f);
    assert!(
        f.iter()
            .any(|x| x.kind == Kind::Word && x.id == feature_id(b'W', "棒") && x.value == 1.5)
    );
    zh.features("不好看", &mut f);
    assert!(
        f.iter()
            .any(|x| x.kind == Kind::NegatedWord && x.id == feature_id(b'N', "好看"))
    );
    zh.features("不要太好看", &mut f);
    assert!(f.iter().all(|x| x.kind != Kind::NegatedWord));
    zh.features("主播yyds", &mut f);
    let lex: Vec<_> = f.iter().filter(|x| x.id == LEX_ID).collect();
    assert_eq!(lex.len(), 1);
    assert_eq!((lex[0].start, lex[0].end), (6, 10));
}

#[test]
fn explain_points_into_the_input() {
    let text = "主播666，不好看";
    let mut out = Vec::new();
    let s = ZhSentiment::new().polarity_scores_explained(text, &mut out);
    assert!(!out.is_empty());
    for c in &out {
        assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
        assert_ne!(c.valence, 0.0);
    }
    assert!(
        out.iter()
            .any(|c| &text[c.start..c.end] == "666" && c.valence > 0.0)
    );
    assert!(out.iter().any(|c| c.token == "NEG_好看" && c.valence < 0.0));
    assert_eq!(s, ZhSentiment::new().polarity_scores(text));
}

#[test]
fn analyzer_contract() {
    let zh = ZhSentiment::new();
    assert_eq!(zh.backend(), "zh");
    assert_eq!(zh.langs(), &[Lang::Zh]);
    let s = zh
        .analyze("服务很好", AnalyzeOptions::default())
        .into_ready()
        .ok()
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.lang, s.backend, s.label),
        (Lang::Zh, "zh", Label::Positive)
    );
    assert!(s.contributions.is_empty());
}
