//! `senti score` end to end: the real binary on real files and pipes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn senti(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_senti"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(data) = stdin {
        input.write_all(data).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn one_text() {
    let out = senti(&["score", "VADER is smart, handsome, and funny."], None);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Python vaderSentiment 3.3.2 gives compound 0.8316, pos 0.746, neu 0.254, neg 0.0.
    assert_eq!(
        v,
        serde_json::json!({"label": "positive", "compound": 0.8316, "pos": 0.746, "neu": 0.254,
                           "neg": 0.0, "lang": "en", "backend": "vader"})
    );
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys.len(), 7);
}

#[test]
fn explain_lists_tokens() {
    let out = senti(&["score", "--explain", "not bad 😁"], None);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let toks = v["tokens"].as_array().unwrap();
    assert_eq!(toks[0]["text"], "not");
    assert_eq!(toks[1]["text"], "bad");
    assert!(
        toks[1]["valence"].as_f64().unwrap() > 0.0,
        "negated 'bad' turns positive"
    );
    assert_eq!(
        (toks[2]["start"].as_u64(), toks[2]["end"].as_u64()),
        (Some(8), Some(9))
    );
}

#[test]
fn jsonl_keeps_fields_and_reports_bad_lines_in_place() {
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"id\": 1.50, \"label\": \"mine\", \"text\": \"I love it\"}\n");
    input.extend_from_slice(b"{\"text\": \"broken\"\n");
    input.extend_from_slice(b"{\"id\": 3}\n");
    input.extend_from_slice(b"{\"text\": 42}\n");
    input.extend_from_slice(b"{\"text\": \"bad \xff utf8\"}\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"{\"text\": \"terrible\", \"sentiment\": 1}\n");
    input.extend_from_slice(b"{\"text\": \"esc\\u00e9ped \\\"q\\\" awful\"}\r\n");
    input.extend_from_slice(b"{}\n");
    let out = senti(
        &["score", "--input", "-", "--format", "jsonl"],
        Some(&input),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(
            r#"{"id": 1.50, "label": "mine", "text": "I love it","sentiment":{"label":"positive""#
        ),
        "{first}"
    );
    let v = lines(&out);
    assert_eq!(
        v.len(),
        8,
        "the blank line is skipped, every other line answered"
    );
    assert_eq!(v[0]["label"], "mine");
    assert_eq!(v[1]["line"], 2);
    assert_eq!(v[2]["line"], 3);
    assert!(
        v[2]["error"]
            .as_str()
            .unwrap()
            .contains("missing text field")
    );
    assert!(
        v[3]["error"]
            .as_str()
            .unwrap()
            .contains("must be a string, got a number")
    );
    assert_eq!(v[4]["line"], 5);
    assert!(v[5]["error"].as_str().unwrap().contains("--result-field"));
    assert_eq!(v[6]["text"], "escéped \"q\" awful");
    assert_eq!(v[6]["sentiment"]["label"], "negative");
    assert_eq!(v[7]["line"], 9);
    assert!(String::from_utf8_lossy(&out.stderr).contains("6 of 8 lines failed"));
}

#[test]
fn jsonl_lines_with_invalid_utf8_in_any_field_are_bad_lines() {
    // Found while fuzzing the readers (issue 14): a bad byte in a field other than the text
    // was copied to the output, which then was not UTF-8 (so not JSON), with exit code 0.
    let input = b"{\"id\": \"\xff\xfe\", \"text\": \"good\"}\n\
                  {\"meta\": {\"k\": [\"\xc3\"]}, \"text\": \"good\"}\n\
                  {\"text\": \"good\"}\n";
    let out = senti(&["score", "--input", "-", "--format", "jsonl"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(
        v[0],
        serde_json::json!({"line": 1, "error": "invalid UTF-8"})
    );
    assert_eq!(
        v[1],
        serde_json::json!({"line": 2, "error": "invalid UTF-8"})
    );
    assert_eq!(v[2]["sentiment"]["label"], "positive");
}

#[test]
fn strict_stops_at_the_first_bad_line() {
    let input = b"{\"text\": \"good\"}\nnot json\n{\"text\": \"good\"}\n";
    let out = senti(&["score", "--input", "-", "--strict"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["line"], 2);
}

#[test]
fn text_and_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("in.txt");
    std::fs::write(&txt, "great day\r\n\nawful day\n").unwrap();
    let out = senti(&["score", "--input", txt.to_str().unwrap()], None);
    assert!(out.status.success());
    let v = lines(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["text"], "great day");
    assert_eq!(v[1]["sentiment"]["label"], "neutral");
    assert_eq!(v[2]["sentiment"]["label"], "negative");

    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "id,body\n1,\"good, really\nvery good\"\n2,bad\n").unwrap();
    let out_path = dir.path().join("out.jsonl");
    let out = senti(
        &[
            "score",
            "-i",
            csv.to_str().unwrap(),
            "--text-field",
            "body",
            "-o",
            out_path.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&out_path).unwrap();
    let v: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["id"], "1");
    assert_eq!(v[0]["body"], "good, really\nvery good");
    assert_eq!(v[0]["sentiment"]["label"], "positive");
    assert_eq!(v[1]["sentiment"]["label"], "negative");
}

#[test]
fn order_is_kept_across_many_chunks_and_threads() {
    let mut input = String::new();
    for i in 0..30_000 {
        let word = if i % 3 == 0 {
            "good"
        } else if i % 3 == 1 {
            "bad"
        } else {
            "table"
        };
        input.push_str(&format!("{{\"i\": {i}, \"text\": \"a {word} one\"}}\n"));
    }
    let out = senti(
        &["score", "-i", "-", "--threads", "4"],
        Some(input.as_bytes()),
    );
    assert!(out.status.success());
    let v = lines(&out);
    assert_eq!(v.len(), 30_000);
    for (i, row) in v.iter().enumerate() {
        assert_eq!(row["i"], i);
        let want = ["positive", "negative", "neutral"][i % 3];
        assert_eq!(row["sentiment"]["label"], want);
    }
}

#[test]
fn overlong_lines_are_reported_not_buffered() {
    let mut input = String::from("{\"text\": \"good\"}\n{\"text\": \"");
    input.push_str(&"x".repeat(5000));
    input.push_str("\"}\n{\"text\": \"bad\"}\n");
    let out = senti(
        &["score", "-i", "-", "--max-line-bytes", "1000"],
        Some(input.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v.len(), 3);
    assert!(v[1]["error"].as_str().unwrap().contains("longer than 1000"));
    assert_eq!(v[2]["sentiment"]["label"], "negative");
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(senti(&["score"], None).status.code(), Some(2));
    assert_eq!(
        senti(&["score", "-i", "/nonexistent/file.jsonl"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        senti(&["score", "--format", "yaml", "-i", "-"], None)
            .status
            .code(),
        Some(2)
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "id,body\n1,good\n").unwrap();
    let out = senti(&["score", "-i", csv.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"text\""));
}

#[test]
fn user_lexicon_changes_scores() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lex.txt");
    std::fs::write(&lex, "frobnicate\t3.1\n").unwrap();
    let out = senti(
        &["score", "--lexicon", lex.to_str().unwrap(), "frobnicate"],
        None,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["label"], "positive");
    let out = senti(&["score", "--lexicon", "/nonexistent", "x"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn chinese_goes_to_the_zh_backend() {
    let out = senti(&["score", "这家酒店很干净，服务也不错"], None);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["lang"].as_str(), v["backend"].as_str()),
        (Some("zh"), Some("zh"))
    );
    assert_eq!(v["label"], "positive");
    let out = senti(
        &["score", "--input", "-", "--format", "text"],
        Some("无语\ngreat\n".as_bytes()),
    );
    let l = lines(&out);
    assert_eq!(l[0]["sentiment"]["backend"], "zh");
    assert_eq!(l[0]["sentiment"]["label"], "negative");
    assert_eq!(l[1]["sentiment"]["backend"], "vader");
}

#[test]
fn mixed_text_is_scored_part_by_part_and_lang_can_be_forced() {
    let text = "I really love this song 这首歌太好听了";
    let v: Value = serde_json::from_slice(&senti(&["score", text], None).stdout).unwrap();
    assert_eq!(
        (v["lang"].as_str(), v["backend"].as_str()),
        (Some("mixed"), Some("vader+zh"))
    );
    assert_eq!(v["label"], "positive");
    let v: Value =
        serde_json::from_slice(&senti(&["score", "--explain", text], None).stdout).unwrap();
    let toks = v["tokens"].as_array().unwrap();
    assert!(toks.iter().any(|t| t["text"] == "love"));
    // Offsets point into the original text (code points).
    let love = toks.iter().find(|t| t["text"] == "love").unwrap();
    assert_eq!(
        (love["start"].as_u64(), love["end"].as_u64()),
        (Some(9), Some(13))
    );
    let v: Value =
        serde_json::from_slice(&senti(&["score", "--lang", "en", text], None).stdout).unwrap();
    assert_eq!(v["backend"], "vader");
    let v: Value =
        serde_json::from_slice(&senti(&["score", "--lang", "zh", "good"], None).stdout).unwrap();
    assert_eq!(v["backend"], "zh");
    // Non-ASCII English without Han characters stays with VADER.
    let v: Value =
        serde_json::from_slice(&senti(&["score", "café crème is great"], None).stdout).unwrap();
    assert_eq!(
        (v["backend"].as_str(), v["compound"].as_f64()),
        (Some("vader"), Some(0.6249))
    );
}

/// A regular output file appears under its name only once complete (written beside it under a
/// temporary name, then renamed); an output that cannot be written is exit code 2. The full
/// disk itself is `scripts/reliability/disk_full.py` (it mounts a tiny tmpfs).
#[test]
fn output_file_is_renamed_into_place_and_write_errors_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"text\": \"good\"}\n{\"text\": \"bad\"}\n").unwrap();
    let out_path = dir.path().join("out.jsonl");
    std::fs::write(&out_path, "OLD\n").unwrap();
    let run = |output: &str| {
        senti(
            &[
                "score",
                "--input",
                input.to_str().unwrap(),
                "--output",
                output,
            ],
            None,
        )
    };
    let out = run(out_path.to_str().unwrap());
    assert!(out.status.success(), "{out:?}");
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(written.lines().count(), 2, "{written}");
    assert!(written.contains("\"sentiment\""), "{written}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "a temporary file was left: {names:?}");

    let missing = dir.path().join("no/such/dir/out.jsonl");
    let out = run(missing.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such file"));

    let out = run("/dev/full");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No space left"));
}
