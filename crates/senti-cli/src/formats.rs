//! Input formats of `senti score --input` and how each line becomes one line of JSONL output.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;
use senti_core::json::SentimentBody;
use senti_engine::{Engine, Plan};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Auto,
    Jsonl,
    Text,
    Csv,
}

impl Format {
    /// Resolves `auto` from the file name, then from the first non-blank byte of the input.
    pub fn resolve(self, name: &str, reader: &mut impl BufRead) -> Result<Format> {
        if self != Format::Auto {
            return Ok(self);
        }
        let ext = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        match ext.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => return Ok(Format::Jsonl),
            "csv" => return Ok(Format::Csv),
            "txt" | "text" => return Ok(Format::Text),
            _ => {}
        }
        let head = reader.fill_buf()?;
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        Ok(if first == Some(&b'{') {
            Format::Jsonl
        } else {
            Format::Text
        })
    }
}

/// Writes the JSON value computed for one text (a score object, a token array) into `out`.
pub type Render<'a> = &'a (dyn Fn(&str, &mut Vec<u8>) -> Result<(), String> + Sync);

/// The renderer of `senti score`: the score object of `senti score TEXT`.
pub fn score_renderer<'a>(
    engine: &'a Engine,
    plan: &'a Plan,
) -> impl Fn(&str, &mut Vec<u8>) -> Result<(), String> + Sync + 'a {
    move |text, out| {
        let s = match engine.analyze(plan, text).into_ready() {
            Ok(r) => r,
            Err(pending) => pollster::block_on(pending),
        }
        .map_err(|e| e.message)?;
        let body = SentimentBody::new(&s, text, plan.explain());
        if body.write_plain(out) {
            return Ok(());
        }
        serde_json::to_writer(&mut *out, &body).map_err(|e| e.to_string())
    }
}

/// What the workers need to turn an input item into an output line.
pub struct LineCtx<'a> {
    pub render: Render<'a>,
    pub text_field: &'a str,
    pub result_field: &'a str,
}

/// Result of one input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// A blank JSONL line: nothing written, not an error.
    Skipped,
    Failed,
}

impl LineCtx<'_> {
    /// A JSON object line: the line is copied byte for byte and the result appended as one more
    /// field, so the input's own fields (and number formats) come out unchanged.
    pub fn jsonl(&self, line_no: u64, line: &[u8], out: &mut Vec<u8>) -> Outcome {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Outcome::Skipped;
        }
        // The line is copied to the output, so all of it must be UTF-8 (serde_json checks the
        // strings it decodes, not the ones it skips: a bad byte in another field would pass).
        let Ok(line_str) = std::str::from_utf8(line) else {
            return error_line(out, line_no, "invalid UTF-8");
        };
        let found = match extract_field(line_str, self.text_field, self.result_field) {
            Ok(f) => f,
            Err(e) => return error_line(out, line_no, &e),
        };
        if found.has_result_field {
            let msg = format!(
                "input already has a field {:?}; pick another with --result-field",
                self.result_field
            );
            return error_line(out, line_no, &msg);
        }
        let Some(text) = found.text else {
            return error_line(
                out,
                line_no,
                &format!("missing text field {:?}", self.text_field),
            );
        };
        let mark = out.len();
        out.extend_from_slice(&line[..line.len() - 1]); // drop the closing '}'
        if found.keys > 0 {
            out.push(b',');
        }
        push_key(out, self.result_field);
        if let Err(e) = (self.render)(&text, out) {
            out.truncate(mark);
            return error_line(out, line_no, &e);
        }
        out.extend_from_slice(b"}\n");
        Outcome::Ok
    }

    /// A plain-text line: `{"text": …, "<result>": {…}}`.
    pub fn text(&self, line_no: u64, line: &[u8], out: &mut Vec<u8>) -> Outcome {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(text) = std::str::from_utf8(line) else {
            return error_line(out, line_no, "invalid UTF-8");
        };
        self.object(line_no, &[("text", text)], text, out)
    }

    /// A CSV record: every column as a string field, then the result.
    pub fn csv(
        &self,
        line_no: u64,
        headers: &[String],
        text_idx: usize,
        rec: &csv::ByteRecord,
        out: &mut Vec<u8>,
    ) -> Outcome {
        let mut fields = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            let raw = rec.get(i).unwrap_or(b"");
            match std::str::from_utf8(raw) {
                Ok(v) => fields.push((h.as_str(), v)),
                Err(_) => return error_line(out, line_no, &format!("column {h:?}: invalid UTF-8")),
            }
        }
        if rec.len() <= text_idx {
            let msg = format!(
                "record has {} columns; the text column is number {}",
                rec.len(),
                text_idx + 1
            );
            return error_line(out, line_no, &msg);
        }
        let text = fields[text_idx].1;
        self.object(line_no, &fields, text, out)
    }

    fn object(
        &self,
        line_no: u64,
        fields: &[(&str, &str)],
        text: &str,
        out: &mut Vec<u8>,
    ) -> Outcome {
        let mark = out.len();
        out.push(b'{');
        for (k, v) in fields {
            push_key(out, k);
            // Writing a &str into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, v);
            out.push(b',');
        }
        push_key(out, self.result_field);
        if let Err(e) = (self.render)(text, out) {
            out.truncate(mark);
            return error_line(out, line_no, &e);
        }
        out.extend_from_slice(b"}\n");
        Outcome::Ok
    }
}

fn push_key(out: &mut Vec<u8>, key: &str) {
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

/// Writes `{"line": N, "error": "..."}` in place of a bad line.
pub fn error_line(out: &mut Vec<u8>, line_no: u64, msg: &str) -> Outcome {
    let _ = serde_json::to_writer(
        &mut *out,
        &serde_json::json!({"line": line_no, "error": msg}),
    );
    out.push(b'\n');
    Outcome::Failed
}

struct Found<'de> {
    text: Option<Cow<'de, str>>,
    keys: usize,
    has_result_field: bool,
}

/// Scans one JSON object for the text field without building a tree of the rest.
/// `line` is already known to be UTF-8, so serde_json reads it as a `str` and does not check
/// the encoding a second time.
fn extract_field<'de>(
    line: &'de str,
    field: &str,
    result_field: &str,
) -> Result<Found<'de>, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    let found = FieldSeed {
        field,
        result_field,
    }
    .deserialize(&mut de)
    .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(found)
}

struct FieldSeed<'f> {
    field: &'f str,
    result_field: &'f str,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Found<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Found<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<'de>, A::Error> {
        let mut found = Found {
            text: None,
            keys: 0,
            has_result_field: false,
        };
        while let Some(key) = map.next_key_seed(BorrowStr)? {
            found.keys += 1;
            if key == self.field {
                let raw: &'de RawValue = map.next_value()?;
                found.text = Some(raw_to_str(raw, self.field).map_err(serde::de::Error::custom)?);
            } else {
                found.has_result_field |= key == self.result_field;
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

fn raw_to_str<'de>(raw: &'de RawValue, field: &str) -> Result<Cow<'de, str>, String> {
    let s = raw.get();
    let kind = match s.as_bytes().first() {
        // serde_json has already checked the string (quotes, no raw control characters);
        // without a backslash its content is the text itself, so it is not parsed again.
        Some(b'"') if s.len() >= 2 && !s.as_bytes().contains(&b'\\') => {
            return Ok(Cow::Borrowed(&s[1..s.len() - 1]));
        }
        Some(b'"') => {
            let mut de = serde_json::Deserializer::from_str(s);
            return BorrowStr.deserialize(&mut de).map_err(|e| e.to_string());
        }
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    };
    Err(format!("field {field:?} must be a string, got {kind}"))
}

/// Deserializes a JSON string, borrowing it from the input when it has no escapes.
struct BorrowStr;

impl<'de> DeserializeSeed<'de> for BorrowStr {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for BorrowStr {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}
