//! The `chat` domain end to end (lexicon stage and classifier): every live-chat convention of
//! issue 12 gets its sign alone and inside a comment; `general` is untouched.

use std::sync::Arc;

use senti_core::Label;
use senti_engine::{Engine, EngineConfig, NoObserver, Options};

fn label(e: &Engine, domain: &str, text: &str) -> Label {
    let plan = e
        .plan(&Options {
            domain: Some(domain),
            ..Default::default()
        })
        .unwrap();
    pollster::block_on(e.analyze(&plan, text)).unwrap().label
}

#[test]
fn chat_conventions_get_their_sign_alone_and_inside_comments() {
    let e = Engine::new(EngineConfig::default(), Arc::new(NoObserver), None).unwrap();
    use Label::{Negative as N, Neutral as Z, Positive as P};
    let cases: &[(&str, Label)] = &[
        ("666", P),
        ("6666666", P),
        ("主播这波666", P),
        ("2333", P),
        ("23333333 笑不活了", P),
        ("yyds", P),
        ("这首歌yyds", P),
        ("awsl", P),
        ("猫猫好可爱awsl", P),
        ("xswl", P),
        ("xswl 这什么操作", P),
        ("nb", P),
        ("主播nb", P),
        ("nbcs", P),
        ("太强了", P),
        ("这波团战太强了", P),
        ("哈哈哈哈", P),
        ("哈哈哈哈哈哈 主播脸红了", P),
        ("lol", P),
        ("lol that was great", P),
        ("lmao", P),
        ("lmao he actually did it", P),
        ("pog", P),
        ("that clutch was pog", P),
        ("W", P),
        ("goat", P),
        ("he is the goat", P),
        ("based", P),
        ("based streamer", P),
        ("😂😂😂", P),
        ("(≧∇≦)", P),
        ("gg", N),
        ("gg 又输了", N),
        ("好菜", N),
        ("主播好菜啊", N),
        ("下饭", N),
        ("下饭操作", N),
        ("破防了", N),
        ("这结局我破防了", N),
        ("血压上来了", N),
        ("看得我血压飙升", N),
        ("L", N),
        ("mid", N),
        ("this song is so mid", N),
        ("cringe", N),
        ("this is so cringe", N),
        ("😡😡😡", N),
        // A warning ritual with no stance (data/danmaku/LABELLING.md).
        ("前方高能", Z),
        ("这个配置能玩吗", Z),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|&(t, want)| {
            let got = label(&e, "chat", t);
            (got != want).then(|| format!("{t}: {got:?}, want {want:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    // general keeps VADER's answer for English: it has never heard of these.
    assert_eq!(label(&e, "general", "yyds"), Z);
    assert_eq!(label(&e, "general", "666666"), Z);
}

#[test]
fn chat_scores_are_consistent_and_rounded() {
    let e = Engine::new(EngineConfig::default(), Arc::new(NoObserver), None).unwrap();
    let plan = e
        .plan(&Options {
            domain: Some("chat"),
            ..Default::default()
        })
        .unwrap();
    for t in [
        "主播太强了",
        "？？？",
        "hi chat",
        "",
        "🙂",
        "不是不好看",
        "a b c d e f g",
    ] {
        let s = pollster::block_on(e.analyze(&plan, t)).unwrap();
        let c = s.scores;
        assert!(c.compound.abs() <= 1.0, "{t}: {c:?}");
        assert_eq!(c.compound, (c.compound * 1e4).round() / 1e4, "{t}");
        assert!(c.compound.to_bits() != (-0.0f64).to_bits(), "{t}: -0");
        assert!((c.pos + c.neu + c.neg - 1.0).abs() < 1e-3, "{t}: {c:?}");
        assert_eq!(s.label, c.label(), "{t}");
    }
}
