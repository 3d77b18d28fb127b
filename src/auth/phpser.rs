//! The subset of PHP's `serialize()` format that Kirby session files use.
//!
//! Kirby stores a session's payload as a PHP-serialised array, so Folio must read and write
//! that format byte-exactly to share a `site/sessions` folder with a PHP Kirby. Only plain
//! values are supported: `N;`, `b:`, `i:`, `d:`, `s:` and `a:` with int or string keys.
//! Objects, references and custom serialisation (`O:`, `C:`, `r:`, `R:`, `E:`) are refused,
//! because they are where PHP's own unserialiser is dangerous and Kirby never writes them.
//!
//! The parser reads attacker-reachable bytes (a session file can be planted or corrupted), so
//! it is strict, never panics, limits nesting depth and the total number of values, and never
//! allocates more than the input could possibly describe.

use std::fmt::Write as _;

use thiserror::Error;

/// Deepest array nesting the parser accepts; session payloads use two levels.
pub const MAX_DEPTH: usize = 32;

/// Most values (scalars and arrays, counted together) the parser accepts in one input.
pub const MAX_VALUES: usize = 100_000;

/// One PHP value of the supported subset.
#[derive(Debug, Clone, PartialEq)]
pub enum PhpValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// PHP strings are byte strings; Folio only keeps valid UTF-8 ones.
    Str(String),
    /// An ordered PHP array, entries in the order they were written.
    Array(Vec<(PhpKey, PhpValue)>),
}

/// A PHP array key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PhpKey {
    Int(i64),
    Str(String),
}

impl PhpValue {
    /// Looks up a string key in an array value; `None` for other values or missing keys.
    pub fn get(&self, key: &str) -> Option<&PhpValue> {
        match self {
            PhpValue::Array(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, PhpKey::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Why an input is not a value of the supported subset.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhpSerError {
    #[error("serialised data ends early at byte {0}")]
    UnexpectedEnd(usize),
    #[error("unexpected byte at {0}")]
    UnexpectedByte(usize),
    #[error("unsupported value type `{0}` at byte {1}")]
    UnsupportedType(char, usize),
    #[error("number out of range at byte {0}")]
    NumberOutOfRange(usize),
    #[error("string at byte {0} is not valid UTF-8")]
    NotUtf8(usize),
    #[error("arrays nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("more than {MAX_VALUES} values")]
    TooManyValues,
    #[error("trailing data after the value at byte {0}")]
    TrailingData(usize),
}

/// Serialises a value the way PHP's `serialize()` does.
pub fn serialize(value: &PhpValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Parses exactly one serialised value; anything after it is an error.
pub fn unserialize(input: &[u8]) -> Result<PhpValue, PhpSerError> {
    let mut parser = Parser {
        input,
        pos: 0,
        values: 0,
    };
    let value = parser.value(0)?;
    if parser.pos != input.len() {
        return Err(PhpSerError::TrailingData(parser.pos));
    }
    Ok(value)
}

fn write_value(out: &mut String, value: &PhpValue) {
    // Writing into a String cannot fail, so the fmt results are safely ignored.
    match value {
        PhpValue::Null => out.push_str("N;"),
        PhpValue::Bool(b) => out.push_str(if *b { "b:1;" } else { "b:0;" }),
        PhpValue::Int(i) => {
            let _ = write!(out, "i:{i};");
        }
        PhpValue::Float(f) => {
            out.push_str("d:");
            write_float(out, *f);
            out.push(';');
        }
        PhpValue::Str(s) => write_str(out, s),
        PhpValue::Array(entries) => {
            let _ = write!(out, "a:{}:{{", entries.len());
            for (key, item) in entries {
                match key {
                    PhpKey::Int(i) => {
                        let _ = write!(out, "i:{i};");
                    }
                    PhpKey::Str(s) => write_str(out, s),
                }
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    // The length is in bytes, not characters: that is what PHP counts.
    let _ = write!(out, "s:{}:\"{s}\";", s.len());
}

fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NAN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "INF" } else { "-INF" });
    } else {
        // Rust prints the shortest text that reads back to the same f64, as PHP 7.1+ does
        // with `serialize_precision = -1`; PHP's own reader accepts this form.
        let _ = write!(out, "{f}");
    }
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    values: usize,
}

impl Parser<'_> {
    fn value(&mut self, depth: usize) -> Result<PhpValue, PhpSerError> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(PhpSerError::TooManyValues);
        }
        let start = self.pos;
        let tag = self.next_byte()?;
        match tag {
            b'N' => {
                self.expect(b';')?;
                Ok(PhpValue::Null)
            }
            b'b' => self.bool_value(),
            b'i' => {
                self.expect(b':')?;
                let i = self.int_until(b';')?;
                Ok(PhpValue::Int(i))
            }
            b'd' => self.float_value(),
            b's' => {
                self.expect(b':')?;
                Ok(PhpValue::Str(self.string_body()?))
            }
            b'a' => self.array_value(depth),
            other => Err(PhpSerError::UnsupportedType(char::from(other), start)),
        }
    }

    fn bool_value(&mut self) -> Result<PhpValue, PhpSerError> {
        self.expect(b':')?;
        let at = self.pos;
        let value = match self.next_byte()? {
            b'0' => false,
            b'1' => true,
            _ => return Err(PhpSerError::UnexpectedByte(at)),
        };
        self.expect(b';')?;
        Ok(PhpValue::Bool(value))
    }

    fn float_value(&mut self) -> Result<PhpValue, PhpSerError> {
        self.expect(b':')?;
        let start = self.pos;
        let text = self.take_until(b';')?;
        let value = match text {
            b"NAN" => f64::NAN,
            b"INF" => f64::INFINITY,
            b"-INF" => f64::NEG_INFINITY,
            _ => parse_decimal_float(text).ok_or(PhpSerError::UnexpectedByte(start))?,
        };
        Ok(PhpValue::Float(value))
    }

    /// Reads `<len>:"<bytes>";` after the `s:` tag.
    fn string_body(&mut self) -> Result<String, PhpSerError> {
        let len_at = self.pos;
        let len = usize::try_from(self.int_until(b':')?)
            .map_err(|_| PhpSerError::NumberOutOfRange(len_at))?;
        self.expect(b'"')?;
        let start = self.pos;
        let end = start
            .checked_add(len)
            .ok_or(PhpSerError::NumberOutOfRange(len_at))?;
        let bytes = self
            .input
            .get(start..end)
            .ok_or(PhpSerError::UnexpectedEnd(self.input.len()))?;
        self.pos = end;
        self.expect(b'"')?;
        self.expect(b';')?;
        String::from_utf8(bytes.to_vec()).map_err(|_| PhpSerError::NotUtf8(start))
    }

    fn array_value(&mut self, depth: usize) -> Result<PhpValue, PhpSerError> {
        if depth >= MAX_DEPTH {
            return Err(PhpSerError::TooDeep);
        }
        self.expect(b':')?;
        let count_at = self.pos;
        let count = usize::try_from(self.int_until(b':')?)
            .map_err(|_| PhpSerError::NumberOutOfRange(count_at))?;
        self.expect(b'{')?;

        // Every entry needs at least 4 bytes (`N;N;`), so the input bounds the allocation.
        let remaining = self.input.len().saturating_sub(self.pos);
        let mut entries = Vec::with_capacity(count.min(remaining / 4));
        for _ in 0..count {
            let key = self.key()?;
            let item = self.value(depth + 1)?;
            entries.push((key, item));
        }
        self.expect(b'}')?;
        Ok(PhpValue::Array(entries))
    }

    fn key(&mut self) -> Result<PhpKey, PhpSerError> {
        let start = self.pos;
        match self.next_byte()? {
            b'i' => {
                self.expect(b':')?;
                Ok(PhpKey::Int(self.int_until(b';')?))
            }
            b's' => {
                self.expect(b':')?;
                Ok(PhpKey::Str(self.string_body()?))
            }
            _ => Err(PhpSerError::UnexpectedByte(start)),
        }
    }

    /// Reads a decimal integer (optional sign, at least one digit) and the terminator.
    fn int_until(&mut self, terminator: u8) -> Result<i64, PhpSerError> {
        let start = self.pos;
        let text = self.take_until(terminator)?;
        let digits = match text {
            [b'-' | b'+', rest @ ..] => rest,
            _ => text,
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(PhpSerError::UnexpectedByte(start));
        }
        std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or(PhpSerError::NumberOutOfRange(start))
    }

    /// Returns the bytes up to `terminator` and moves past the terminator.
    fn take_until(&mut self, terminator: u8) -> Result<&[u8], PhpSerError> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        // Numbers are short; a long run without the terminator is malformed, not slow.
        let window = rest.get(..rest.len().min(512)).unwrap_or_default();
        let offset = window
            .iter()
            .position(|&b| b == terminator)
            .ok_or(PhpSerError::UnexpectedEnd(self.input.len()))?;
        let text = rest.get(..offset).unwrap_or_default();
        self.pos += offset + 1;
        Ok(text)
    }

    fn next_byte(&mut self) -> Result<u8, PhpSerError> {
        let byte = *self
            .input
            .get(self.pos)
            .ok_or(PhpSerError::UnexpectedEnd(self.pos))?;
        self.pos += 1;
        Ok(byte)
    }

    fn expect(&mut self, wanted: u8) -> Result<(), PhpSerError> {
        let at = self.pos;
        if self.next_byte()? == wanted {
            Ok(())
        } else {
            Err(PhpSerError::UnexpectedByte(at))
        }
    }
}

/// Parses PHP's decimal float text (`1`, `-0.5`, `1.0E+25`, `.5`), refusing anything else.
fn parse_decimal_float(text: &[u8]) -> Option<f64> {
    let allowed = |b: &u8| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E');
    if text.is_empty() || !text.iter().all(allowed) || !text.iter().any(u8::is_ascii_digit) {
        return None;
    }
    // The character check above keeps out Rust-only spellings such as `inf` or `NaN`.
    std::str::from_utf8(text)
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn s(text: &str) -> PhpValue {
        PhpValue::Str(text.to_owned())
    }

    fn skey(text: &str) -> PhpKey {
        PhpKey::Str(text.to_owned())
    }

    #[test]
    fn scalars_serialise_like_php() {
        assert_eq!(serialize(&PhpValue::Null), "N;");
        assert_eq!(serialize(&PhpValue::Bool(false)), "b:0;");
        assert_eq!(serialize(&PhpValue::Bool(true)), "b:1;");
        assert_eq!(serialize(&PhpValue::Int(-42)), "i:-42;");
        assert_eq!(serialize(&PhpValue::Float(0.5)), "d:0.5;");
        assert_eq!(serialize(&PhpValue::Float(f64::NEG_INFINITY)), "d:-INF;");
        assert_eq!(serialize(&s("abc")), r#"s:3:"abc";"#);
    }

    #[test]
    fn string_length_counts_bytes() {
        assert_eq!(serialize(&s("ä€")), "s:5:\"ä€\";");
        assert_eq!(unserialize("s:5:\"ä€\";".as_bytes()), Ok(s("ä€")));
        assert!(unserialize("s:2:\"ä€\";".as_bytes()).is_err());
    }

    #[test]
    fn strings_may_contain_quotes_and_semicolons() {
        let value = s(r#"a";b:1;"#);
        let text = serialize(&value);
        assert_eq!(text, r#"s:7:"a";b:1;";"#);
        assert_eq!(unserialize(text.as_bytes()), Ok(value));
    }

    #[test]
    fn arrays_keep_order_and_key_kinds() {
        let text = r#"a:2:{i:0;s:1:"x";s:1:"k";a:1:{i:-3;N;}}"#;
        let value = PhpValue::Array(vec![
            (PhpKey::Int(0), s("x")),
            (
                skey("k"),
                PhpValue::Array(vec![(PhpKey::Int(-3), PhpValue::Null)]),
            ),
        ]);
        assert_eq!(unserialize(text.as_bytes()), Ok(value.clone()));
        assert_eq!(serialize(&value), text);
        assert_eq!(
            value.get("k"),
            Some(&PhpValue::Array(vec![(PhpKey::Int(-3), PhpValue::Null)]))
        );
        assert_eq!(value.get("x"), None);
    }

    #[test]
    fn php_float_spellings_parse() {
        for (text, want) in [
            ("d:1;", 1.0),
            ("d:1.0E+25;", 1.0e25),
            ("d:-0.25;", -0.25),
            ("d:.5;", 0.5),
        ] {
            assert_eq!(
                unserialize(text.as_bytes()),
                Ok(PhpValue::Float(want)),
                "{text}"
            );
        }
        assert!(matches!(unserialize(b"d:NAN;"), Ok(PhpValue::Float(f)) if f.is_nan()));
        assert_eq!(unserialize(b"d:INF;"), Ok(PhpValue::Float(f64::INFINITY)));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let bad: &[&[u8]] = &[
            b"",
            b"N",
            b"b:2;",
            b"b:1",
            b"i:;",
            b"i:12a;",
            b"i:99999999999999999999;",
            b"d:inf;",
            b"d:1e999;",
            b"d:;",
            b"s:-1:\"\";",
            b"s:3:\"ab\";",
            b"s:1:\"ab\";",
            b"s:18446744073709551615:\"\";",
            b"a:1:{}",
            b"a:1:{N;N;}",
            b"a:0:{",
            b"a:-1:{}",
            b"O:8:\"stdClass\":0:{}",
            b"r:1;",
            b"C:1:\"x\":0:{}",
            b"N;N;",
            b"s:2:\"\xff\xfe\";",
        ];
        for input in bad {
            assert!(
                unserialize(input).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn huge_declared_counts_do_not_allocate() {
        let input = format!("a:{}:{{", usize::MAX / 2);
        assert!(unserialize(input.as_bytes()).is_err());
        let input = format!("s:{}:\"x\";", u64::MAX);
        assert!(unserialize(input.as_bytes()).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let depth = MAX_DEPTH + 1;
        let input = "a:1:{i:0;".repeat(depth) + "N;" + &"}".repeat(depth);
        assert_eq!(unserialize(input.as_bytes()), Err(PhpSerError::TooDeep));

        let ok_depth = MAX_DEPTH;
        let input = "a:1:{i:0;".repeat(ok_depth) + "N;" + &"}".repeat(ok_depth);
        assert!(unserialize(input.as_bytes()).is_ok());
    }

    #[test]
    fn too_many_values_are_refused() {
        let count = MAX_VALUES + 1;
        let input = format!("a:{count}:{{{}}}", "i:0;N;".repeat(count));
        assert_eq!(
            unserialize(input.as_bytes()),
            Err(PhpSerError::TooManyValues)
        );
    }

    #[test]
    fn long_digit_runs_are_malformed() {
        let input = format!("i:{};", "1".repeat(10_000));
        assert!(unserialize(input.as_bytes()).is_err());
    }

    fn arb_value() -> impl Strategy<Value = PhpValue> {
        let leaf = prop_oneof![
            Just(PhpValue::Null),
            any::<bool>().prop_map(PhpValue::Bool),
            any::<i64>().prop_map(PhpValue::Int),
            any::<f64>()
                .prop_filter("NaN never equals itself", |f| !f.is_nan())
                .prop_map(PhpValue::Float),
            ".*".prop_map(PhpValue::Str),
        ];
        let key = prop_oneof![
            any::<i64>().prop_map(PhpKey::Int),
            ".*".prop_map(PhpKey::Str)
        ];
        leaf.prop_recursive(4, 64, 8, move |inner| {
            prop::collection::vec((key.clone(), inner), 0..8).prop_map(PhpValue::Array)
        })
    }

    proptest! {
        #[test]
        fn round_trip(value in arb_value()) {
            let text = serialize(&value);
            prop_assert_eq!(unserialize(text.as_bytes()), Ok(value));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = unserialize(&bytes);
        }

        #[test]
        fn mutated_valid_input_never_panics(value in arb_value(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut bytes = serialize(&value).into_bytes();
            if !bytes.is_empty() {
                let at = cut.index(bytes.len());
                bytes[at] = byte;
            }
            let _ = unserialize(&bytes);
        }
    }
}
