//! The batch entry point gives exactly what one call per text gives (issue 14): the same
//! scores, labels, languages, backends and explanations, in input order, for every language
//! option and domain. `POST /v1/sentiment/batch`, gRPC's batch and the CLI rely on it.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use senti_engine::{Engine, EngineConfig, NoObserver, Options};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        Engine::new(EngineConfig::default(), Arc::new(NoObserver), None)
            .expect("the default engine builds")
    })
}

const POOL: &[&str] = &[
    "good",
    "not bad",
    "BUT",
    "very",
    "!",
    " ",
    "😁",
    "❤️",
    "我很喜欢",
    "不好",
    "太差了",
    "哈哈哈",
    "666",
    "yyds",
    "lol",
    "中文 and English",
    "\u{3000}",
    "\n",
    "e\u{301}",
];

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        proptest::sample::select(POOL).prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn batch_results_equal_single_results(
        texts in proptest::collection::vec(text(), 0..8),
        lang in proptest::sample::select(&[None, Some("auto"), Some("en"), Some("zh"), Some("mixed")][..]),
        domain in proptest::sample::select(&[None, Some("chat")][..]),
        explain in any::<bool>(),
    ) {
        let e = engine();
        let plan = e
            .plan(&Options { lang, domain, explain, ..Default::default() })
            .expect("a valid plan");
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let batch = pollster::block_on(e.analyze_batch(&plan, &refs));
        let single: Vec<_> = refs.iter().map(|t| pollster::block_on(e.analyze(&plan, t))).collect();
        prop_assert_eq!(batch, single);
    }
}
