//! Language tags and a cheap script-based detector used for routing.

use serde::{Deserialize, Serialize};

/// Languages senti routes between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
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
    }
}
