// Shared by the benches: the four VADER ground-truth files, parsed as scripts/golden does.
use std::path::{Path, PathBuf};

pub const FILES: [&str; 4] = [
    "tweets_GroundTruth.txt",
    "movieReviewSnippets_GroundTruth.txt",
    "amazonReviewSnippets_GroundTruth.txt",
    "nytEditorialSnippets_GroundTruth.txt",
];

pub fn data_dir() -> PathBuf {
    std::env::var_os("SENTI_VADER_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/vader_groundtruth")
        })
}

pub fn load_texts() -> Vec<String> {
    let dir = data_dir();
    let mut texts = Vec::new();
    for f in FILES {
        let path = dir.join(f);
        let raw = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (set SENTI_VADER_DATA)", path.display()));
        for line in raw.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            if let Some(text) = line.splitn(3, '\t').nth(2) {
                texts.push(text.to_string());
            }
        }
    }
    texts
}
