//! JSON text the way PHP's `json_encode` writes it.
//!
//! Kirby answers with PHP's default flags: `/` is escaped as `\/`, every
//! non-ASCII character becomes `\uXXXX` (surrogate pairs above the BMP), and
//! `?pretty` indents by four spaces. Clients parse JSON, so this only matters
//! for byte-level comparisons, but those exist (the `?pretty` cases).

use std::fmt::Write;

use serde_json::Value;

use super::tree::Json;

/// Encodes `value` compactly, or indented when `pretty` is set.
pub fn encode(value: &Value, pretty: bool) -> String {
    let mut out = String::with_capacity(256);
    write_value(&mut out, value, pretty.then_some(0));
    out
}

/// [`encode`] for a rendered model tree.
pub fn encode_tree(tree: &Json, pretty: bool) -> String {
    let mut out = String::with_capacity(1024);
    write_tree(&mut out, tree, pretty.then_some(0));
    out
}

fn write_value(out: &mut String, value: &Value, indent: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => write_array(out, items, indent, write_value),
        Value::Object(map) => write_object(out, map.iter(), indent, write_value),
    }
}

fn write_tree(out: &mut String, tree: &Json, indent: Option<usize>) {
    match tree {
        Json::Value(value) => write_value(out, value, indent),
        Json::Array(items) => write_array(out, items, indent, write_tree),
        Json::Object(fields) => write_object(
            out,
            fields.iter().map(|(key, item)| (key.as_ref(), item)),
            indent,
            write_tree,
        ),
    }
}

fn write_array<T>(
    out: &mut String,
    items: &[T],
    indent: Option<usize>,
    write_item: fn(&mut String, &T, Option<usize>),
) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent.map(|n| n + 1));
        write_item(out, item, indent.map(|n| n + 1));
    }
    newline(out, indent);
    out.push(']');
}

fn write_object<'a, K: AsRef<str>, T: 'a>(
    out: &mut String,
    fields: impl ExactSizeIterator<Item = (K, &'a T)>,
    indent: Option<usize>,
    write_item: fn(&mut String, &T, Option<usize>),
) {
    if fields.len() == 0 {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (i, (key, item)) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent.map(|n| n + 1));
        write_string(out, key.as_ref());
        out.push(':');
        if indent.is_some() {
            out.push(' ');
        }
        write_item(out, item, indent.map(|n| n + 1));
    }
    newline(out, indent);
    out.push('}');
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(level) = indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str("    ");
        }
    }
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        // PHP prints floats with up to 17 significant digits and keeps a
        // fraction only when there is one (`1.0` becomes `1.0` in PHP >= 7.1).
        if f.fract() == 0.0 && f.abs() < 1e15 {
            out.push_str(&format!("{f:.1}"));
        } else {
            out.push_str(&f.to_string());
        }
    } else {
        let _ = write!(out, "{n}");
    }
}

/// Writes `s` as a JSON string. Runs of bytes that need no escape are
/// found with a table lookup per byte and copied in one go, and `/`
/// (frequent: every URL) is escaped without decoding a `char`: answers are
/// mostly plain ASCII, and this function led the encoding profile (issue 4).
fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut plain_from = 0;
    loop {
        let rest = bytes.get(plain_from..).unwrap_or(&[]);
        let Some(offset) = rest.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]) else {
            break;
        };
        // Every byte before `at` in this run is ASCII, so `at` is a char boundary.
        let at = plain_from + offset;
        out.push_str(s.get(plain_from..at).unwrap_or(""));
        let step = match rest.get(offset) {
            Some(b'/') => {
                out.push_str("\\/");
                1
            }
            _ => match s.get(at..).and_then(|tail| tail.chars().next()) {
                Some(ch) => {
                    escape_char(out, ch);
                    ch.len_utf8()
                }
                None => 1,
            },
        };
        plain_from = at + step;
    }
    out.push_str(s.get(plain_from..).unwrap_or(""));
    out.push('"');
}

/// Bytes PHP does not copy as they are: quotes, backslash, `/`, control
/// characters and everything outside ASCII.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = byte < 0x20 || byte > 0x7e || matches!(byte as u8, b'"' | b'\\' | b'/');
        byte += 1;
    }
    table
};

fn escape_char(out: &mut String, ch: char) {
    match ch {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '/' => out.push_str("\\/"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn escapes_like_php() {
        let text = encode(&json!({"title": "Mægazine", "url": "http://x/y"}), false);
        assert_eq!(text, r#"{"title":"M\u00e6gazine","url":"http:\/\/x\/y"}"#);
    }

    #[test]
    fn pretty_prints_with_four_spaces() {
        let text = encode(
            &json!({"code": 200, "data": {"title": "A"}, "details": []}),
            true,
        );
        assert_eq!(
            text,
            "{\n    \"code\": 200,\n    \"data\": {\n        \"title\": \"A\"\n    },\n    \"details\": []\n}"
        );
    }

    #[test]
    fn escapes_between_plain_runs() {
        let text = encode(&json!("ab\"c\\d/e\nf\u{1}g\u{7f}hé😀i"), false);
        assert_eq!(text, r#""ab\"c\\d\/e\nf\u0001g\u007fh\u00e9\ud83d\ude00i""#);
    }

    proptest::proptest! {
        #[test]
        fn any_string_comes_back_whole_and_as_plain_ascii(text in "\\PC*|[/\"\\\\a-z\u{0}-\u{1f}é😀]*") {
            let encoded = encode(&Value::String(text.clone()), false);
            proptest::prop_assert!(encoded.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            // PHP escapes every `/`: none is left once escapes are taken out.
            let unescaped_rest = encoded.replace("\\\\", "").replace("\\/", "");
            proptest::prop_assert!(!unescaped_rest.contains('/'));
            let decoded: Value = serde_json::from_str(&encoded).unwrap();
            proptest::prop_assert_eq!(decoded, Value::String(text));
        }
    }

    #[test]
    fn astral_characters_become_surrogate_pairs() {
        assert_eq!(encode(&json!("😀"), false), r#""\ud83d\ude00""#);
    }

    #[test]
    fn output_parses_back_to_the_same_value() {
        let value = json!({"a": [1, 2.5, null, true], "b": "ä/\"\u{1}", "c": {}});
        let text = encode(&value, true);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }
}
