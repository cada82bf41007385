//! User lexicon entries (`--lexicon PATH`) layered over the compiled-in lexicon.

use std::collections::HashMap;
use std::path::Path;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum LexiconError {
    #[error("cannot read lexicon {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("lexicon line {line}: {message}")]
    Parse { line: usize, message: String },
}

/// Parses text in vader_lexicon.txt format (`word<TAB>mean[<TAB>…]`) the way
/// vaderSentiment's `make_lex_dict` does: empty lines skipped, each line stripped of Python
/// whitespace, later entries overriding earlier ones. Words are stored as written; they match
/// tokens whose Python-lowercased form equals them, as in Python.
pub fn parse_lexicon(text: &str, into: &mut HashMap<String, f64>) -> Result<usize, LexiconError> {
    let mut n = 0;
    for (idx, line) in text.trim_end_matches('\n').split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let line_no = idx + 1;
        let mut fields = senti_pyunicode::strip(line).split('\t');
        let word = fields.next().unwrap_or_default();
        let measure = fields.next().ok_or_else(|| LexiconError::Parse {
            line: line_no,
            message: format!("expected `word<TAB>valence`, got {line:?}"),
        })?;
        let value: f64 = senti_pyunicode::strip(measure)
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| LexiconError::Parse {
                line: line_no,
                message: format!("valence {measure:?} is not a finite number"),
            })?;
        into.insert(word.to_string(), value);
        n += 1;
    }
    Ok(n)
}

pub(crate) fn read_lexicon(
    path: &Path,
    into: &mut HashMap<String, f64>,
) -> Result<usize, LexiconError> {
    let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_lexicon(&text, into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_make_lex_dict() {
        let mut m = HashMap::new();
        let n = parse_lexicon("meh\t-0.4\t0.5\t[1]\n\n  yay\t2\nmeh\t-0.6\n\n", &mut m).unwrap();
        assert_eq!(n, 3);
        assert_eq!(m["meh"], -0.6);
        assert_eq!(m["yay"], 2.0);
        let err = parse_lexicon("ok\n", &mut m).unwrap_err();
        assert!(matches!(err, LexiconError::Parse { line: 1, .. }));
        assert!(parse_lexicon("x\tnan\n", &mut m).is_err());
    }
}
