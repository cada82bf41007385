//! `senti segment` end to end (expected tokens are Python jieba 0.42.1's).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn senti(args: &[&str], stdin: Option<&[u8]>) -> (Option<i32>, Vec<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(d) = stdin {
        input.write_all(d).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code(), lines)
}

#[test]
fn one_text_in_each_mode() {
    let (code, v) = senti(&["segment", "我来到北京清华大学"], None);
    assert_eq!(code, Some(0));
    assert_eq!(v[0], json!({"tokens": ["我", "来到", "北京", "清华大学"]}));
    let (_, v) = senti(&["segment", "--mode", "all", "我来到北京清华大学"], None);
    assert_eq!(
        v[0]["tokens"],
        json!(["我", "来到", "北京", "清华", "清华大学", "华大", "大学"])
    );
    let (_, v) = senti(
        &[
            "segment",
            "--mode",
            "search",
            "小明硕士毕业于中国科学院计算所",
        ],
        None,
    );
    assert_eq!(
        v[0]["tokens"],
        json!([
            "小明",
            "硕士",
            "毕业",
            "于",
            "中国",
            "科学",
            "学院",
            "科学院",
            "中国科学院",
            "计算",
            "计算所"
        ])
    );
    let (_, v) = senti(&["segment", "--offsets", "北京 abc"], None);
    assert_eq!(
        v[0]["tokens"],
        json!([{"word": "北京", "start": 0, "end": 2}, {"word": " ", "start": 2, "end": 3}, {"word": "abc", "start": 3, "end": 6}])
    );
    let (code, _) = senti(&["segment", "--mode", "fast", "x"], None);
    assert_eq!(code, Some(2));
}

#[test]
fn jsonl_file_keeps_fields_and_order() {
    let input = "{\"id\": 1, \"text\": \"我来到北京清华大学\"}\n{\"id\": 2}\n{\"id\": 3, \"text\": \"他来到了网易杭研大厦\"}\n";
    let (code, v) = senti(
        &["segment", "-i", "-", "--format", "jsonl"],
        Some(input.as_bytes()),
    );
    assert_eq!(code, Some(1), "one line has no text");
    assert_eq!(v.len(), 3);
    assert_eq!(
        v[0],
        json!({"id": 1, "text": "我来到北京清华大学", "tokens": ["我", "来到", "北京", "清华大学"]})
    );
    assert_eq!(v[1]["line"], 2);
    assert_eq!(
        v[2]["tokens"],
        json!(["他", "来到", "了", "网易", "杭研", "大厦"])
    );
}

#[test]
fn user_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("user.txt");
    std::fs::write(&dict, "杭研大厦 10 nz\n").unwrap();
    let (_, v) = senti(
        &[
            "segment",
            "--user-dict",
            dict.to_str().unwrap(),
            "他来到了网易杭研大厦",
        ],
        None,
    );
    assert_eq!(
        v[0]["tokens"],
        json!(["他", "来到", "了", "网易", "杭研大厦"])
    );
}
