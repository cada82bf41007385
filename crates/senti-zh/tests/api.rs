//! The public API's contract beyond token lists: offsets, buffer reuse, user-dictionary files
//! and their errors. (Token lists themselves are checked against Python in golden.rs.)

use std::io::Write as _;

use senti_zh::{Jieba, Mode, Token, ZhError};

#[test]
fn tokens_are_slices_with_char_and_byte_offsets() {
    let jb = Jieba::new();
    let text = "😀我爱 PM2.5\r\n北京";
    let mut out = Vec::new();
    jb.cut(text, Mode::Hmm, &mut out);
    let got: Vec<(&str, usize, usize, usize, usize)> = out
        .iter()
        .map(|t| (t.word, t.start, t.end, t.byte_start, t.byte_end))
        .collect();
    assert_eq!(
        got,
        [
            ("😀", 0, 1, 0, 4),
            ("我", 1, 2, 4, 7),
            ("爱", 2, 3, 7, 10),
            (" ", 3, 4, 10, 11),
            ("PM2.5", 4, 9, 11, 16),
            ("\r\n", 9, 11, 16, 18),
            ("北京", 11, 13, 18, 24),
        ]
    );
    for t in &out {
        assert!(std::ptr::eq(t.word, &text[t.byte_start..t.byte_end]));
    }
}

#[test]
fn cut_appends_and_reuses_the_buffer() {
    let jb = Jieba::default();
    let mut out: Vec<Token<'_>> = Vec::with_capacity(64);
    jb.cut("今天天气不错", Mode::Hmm, &mut out);
    let n = out.len();
    jb.cut("今天天气不错", Mode::NoHmm, &mut out);
    assert_eq!(out.len(), 2 * n);
    out.clear();
    assert!(out.capacity() >= 64);
}

#[test]
fn full_mode_empty_strings_are_zero_length_tokens_in_place() {
    let jb = Jieba::new();
    let mut out = Vec::new();
    jb.cut("好 吧", Mode::All, &mut out);
    let got: Vec<(&str, usize, usize)> = out.iter().map(|t| (t.word, t.start, t.end)).collect();
    assert_eq!(
        got,
        [
            ("好", 0, 1),
            ("", 1, 1),
            (" ", 1, 2),
            ("", 2, 2),
            ("吧", 2, 3)
        ]
    );
}

#[test]
fn search_mode_grams_carry_their_own_offsets() {
    let jb = Jieba::new();
    let mut out = Vec::new();
    jb.cut("在中华人民共和国", Mode::Search, &mut out);
    let got: Vec<(&str, usize, usize)> = out.iter().map(|t| (t.word, t.start, t.end)).collect();
    // Python: list(jieba.tokenize('在中华人民共和国', mode='search'))
    assert_eq!(
        got,
        [
            ("在", 0, 1),
            ("中华", 1, 3),
            ("华人", 2, 4),
            ("人民", 3, 5),
            ("共和", 5, 7),
            ("共和国", 5, 8),
            ("中华人民共和国", 1, 8),
        ]
    );
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("senti-zh-{}-{name}", std::process::id()));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

#[test]
fn with_user_dict_loads_words_tags_and_deletions() {
    let path = temp_file(
        "ok.txt",
        "\u{feff}情感分析 10 n\n大模型\n\n北京大学 0\n".as_bytes(),
    );
    let jb = Jieba::with_user_dict(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(jb.freq("情感分析"), Some(10));
    assert_eq!(jb.tag("情感分析"), Some("n"));
    assert_eq!(jb.freq("北京大学"), Some(0));
    assert_eq!(
        jb.lcut("这个大模型做情感分析", Mode::Hmm),
        ["这个", "大模型", "做", "情感分析"]
    );
    assert_eq!(jb.lcut("北京大学", Mode::NoHmm), ["北京", "大学"]);
}

#[test]
fn user_dict_errors_name_the_line() {
    let mut jb = Jieba::new();
    let err = jb.load_user_dict(&b"ok 3\nbad \xff\xfe\n"[..]).unwrap_err();
    assert!(matches!(err, ZhError::NotUtf8 { line: 2 }), "{err}");
    assert_eq!(err.to_string(), "user dictionary line 2: not valid UTF-8");
    assert_eq!(jb.freq("ok"), Some(3), "lines before the error stay added");

    let err = jb
        .load_user_dict(&b"a 1\nb 2\nhuge 99999999999999999999999\n"[..])
        .unwrap_err();
    assert!(
        matches!(err, ZhError::FreqTooLarge { line: 3, .. }),
        "{err}"
    );

    let err = Jieba::with_user_dict("/nonexistent/senti-zh/userdict.txt").unwrap_err();
    assert!(matches!(err, ZhError::Open { .. }), "{err}");
}

#[test]
fn del_word_splits_hmm_words_and_add_word_restores_them() {
    // Python: del_word puts the word in finalseg's Force_Split_Words, so the HMM's 杭研 comes
    // out as characters; adding it back with a frequency makes it a dictionary word.
    let mut jb = Jieba::new();
    let s = "他来到了网易杭研大厦";
    assert_eq!(
        jb.lcut(s, Mode::Hmm),
        ["他", "来到", "了", "网易", "杭研", "大厦"]
    );
    let before = jb.total();
    jb.del_word("杭研");
    assert_eq!(jb.freq("杭研"), Some(0));
    assert_eq!(jb.total(), before);
    assert_eq!(
        jb.lcut(s, Mode::Hmm),
        ["他", "来到", "了", "网易", "杭", "研", "大厦"]
    );
    jb.add_word("杭研", Some(5), None);
    assert_eq!(jb.total(), before + 5);
    assert_eq!(
        jb.lcut(s, Mode::Hmm),
        ["他", "来到", "了", "网易", "杭研", "大厦"]
    );
}
