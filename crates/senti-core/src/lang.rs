//! Language tags and a cheap script-based detector used for routing.

use serde::{Deserialize, Serialize};

/// Languages senti routes between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
    /// Chinese and English side by side; scored part by part (see `LangRouter`).
    Mixed,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
            Lang::Mixed => "mixed",
        }
    }

    /// Parses a language tag as clients send it ("en", "en-US", "zh", "zh-Hans", …).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::Zh)
        } else {
            None
        }
    }
}

/// Picks the language of `text` from its script: Chinese when Han characters make up at least
/// 30% of its letters (Han + Latin), English otherwise.
///
/// Live comments mix scripts ("这个up主yyds", "哈哈哈 lol"), so a share, not a majority of
/// bytes, decides; one Han character among a few Latin letters already makes a comment
/// Chinese in practice. A script count is a few nanoseconds per character, which a
/// per-request router can afford where an n-gram model could not.
pub fn detect_lang(text: &str) -> Lang {
    if text.is_ascii() {
        return Lang::En;
    }
    let mut han = 0usize;
    let mut latin = 0usize;
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            latin += 1;
        } else if is_han(c) {
            han += 1;
        }
    }
    if han > 0 && han * 10 >= (han + latin) * 3 {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Like [`detect_lang`], but tells mixed text apart: Chinese with at least three English
/// words (runs of two or more ASCII letters) beside it, where neither script makes up 70% of
/// the letters. Text without Han characters is always English, so English text reaches VADER
/// untouched; a few Latin slang words inside Chinese ("这个up主yyds") stay Chinese.
pub fn classify_lang(text: &str) -> Lang {
    if text.is_ascii() {
        return Lang::En;
    }
    let (mut han, mut latin, mut words, mut run) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            latin += 1;
            run += 1;
            continue;
        }
        if run >= 2 {
            words += 1;
        }
        run = 0;
        han += is_han(c) as usize;
    }
    if run >= 2 {
        words += 1;
    }
    if han == 0 {
        return Lang::En;
    }
    let han_share = han as f64 / (han + latin) as f64;
    if han_share >= 0.7 {
        Lang::Zh
    } else if words >= 3 {
        Lang::Mixed
    } else if han_share >= 0.3 {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Byte ranges `(start, end)` of a text.
pub type Spans = Vec<(usize, usize)>;

/// Splits text into its Han part and its non-Han part, as byte ranges of `text`: a Han run
/// extends over Han characters and the punctuation, digits and spaces that follow them until
/// the next ASCII letter; everything else belongs to the English part.
pub fn split_scripts(text: &str) -> (Spans, Spans) {
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    let mut cur: Option<(bool, usize)> = None;
    for (i, c) in text.char_indices() {
        let kind = if is_han(c) {
            Some(true)
        } else if c.is_ascii_alphabetic() {
            Some(false)
        } else {
            None // stays with the current run
        };
        match (kind, cur) {
            (Some(k), None) => cur = Some((k, i)),
            (Some(k), Some((ck, start))) if k != ck => {
                (if ck { &mut zh } else { &mut en }).push((start, i));
                cur = Some((k, i));
            }
            _ => {}
        }
    }
    if let Some((k, start)) = cur {
        (if k { &mut zh } else { &mut en }).push((start, text.len()));
    }
    (zh, en)
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_scripts() {
        assert_eq!(detect_lang("this is great"), Lang::En);
        assert_eq!(detect_lang("这个太好了"), Lang::Zh);
        assert_eq!(detect_lang("这个up主yyds"), Lang::Zh);
        assert_eq!(detect_lang("so good 好"), Lang::En);
        assert_eq!(detect_lang(""), Lang::En);
        assert_eq!(Lang::parse("zh-Hans"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse("mixed"), None);
    }

    #[test]
    fn classifies_mixed_text() {
        assert_eq!(classify_lang("great movie!"), Lang::En);
        assert_eq!(classify_lang("café au lait"), Lang::En);
        assert_eq!(classify_lang("这个up主yyds"), Lang::Zh);
        assert_eq!(classify_lang("主播太强了 gg"), Lang::Zh);
        assert_eq!(
            classify_lang("I really love this song 这首歌太好听了"),
            Lang::Mixed
        );
        assert_eq!(
            classify_lang("the plot was boring and too long 好"),
            Lang::Mixed
        );
        assert_eq!(classify_lang("so good 好"), Lang::En);
        let text = "I love it 太好了! ok";
        let (zh, en) = split_scripts(text);
        let part = |r: &[(usize, usize)]| r.iter().map(|&(a, b)| &text[a..b]).collect::<Vec<_>>();
        assert_eq!(part(&zh), vec!["太好了! "]);
        assert_eq!(part(&en), vec!["I love it ", "ok"]);
    }
}
