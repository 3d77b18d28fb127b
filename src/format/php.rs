//! The literal subset of PHP that Kirby's array files use.
//!
//! Accounts (`index.php`), languages and `config.php` are PHP files that
//! `return` an array. Folio cannot run PHP, so it parses the literal part —
//! strings, numbers, booleans, null and nested arrays — and keeps every other
//! construct (a closure, a call, a variable, a concatenation) as
//! [`PhpValue::Dynamic`] with its line, so the caller decides whether that
//! value matters. Writing produces the exact layout Kirby's own encoder
//! uses (storage.md §6), so account and language files round-trip byte for byte.

mod parse;
mod quoted;
mod scan;
mod write;

use thiserror::Error;

pub use write::php_float_to_string;

/// One PHP value.
#[derive(Debug, Clone, PartialEq)]
pub enum PhpValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(PhpArray),
    /// A construct Folio cannot evaluate (closure, function call, constant, variable, concatenation,
    /// heredoc...): kept with its 1-based line and a short description like "function call `env()`".
    Dynamic {
        line: usize,
        construct: String,
    },
}

/// A PHP array: entries in insertion order, list items with their automatic keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhpArray(pub Vec<(PhpKey, PhpValue)>);

/// An array key; PHP turns numeric strings such as `'5'` into `Int` keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PhpKey {
    Int(i64),
    Str(String),
}

/// A syntax error Folio cannot step over, with its 1-based line.
#[derive(Debug, Error, PartialEq)]
#[error("line {line}: {message}")]
pub struct PhpError {
    pub line: usize,
    pub message: String,
}

/// Parses `<?php ... return <expr>;`. Leading `declare`, `namespace` and `use`
/// statements are skipped; comments may appear anywhere.
pub fn parse_return_file(src: &str) -> Result<PhpValue, PhpError> {
    parse::parse_return_file(src)
}

/// Writes `value` the way Kirby writes account and language files:
/// `"<?php\n\nreturn " + encode(value) + ";"`, no trailing newline.
/// A `Dynamic` value cannot be written and comes out as `NULL`; callers that
/// must not lose one check [`PhpValue::contains_dynamic`] first.
pub fn write_return_file(value: &PhpValue) -> String {
    format!("<?php\n\nreturn {};", write::encode(value, ""))
}

impl PhpValue {
    /// The array inside, if this is one.
    pub fn as_array(&self) -> Option<&PhpArray> {
        match self {
            PhpValue::Array(array) => Some(array),
            _ => None,
        }
    }

    /// The string inside, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PhpValue::Str(text) => Some(text),
            _ => None,
        }
    }

    /// True when this value or anything nested in it is `Dynamic`.
    pub fn contains_dynamic(&self) -> bool {
        match self {
            PhpValue::Dynamic { .. } => true,
            PhpValue::Array(array) => array.0.iter().any(|(_, value)| value.contains_dynamic()),
            _ => false,
        }
    }

    /// A short name of the type for error messages ("a string", "an array").
    pub fn type_name(&self) -> &'static str {
        match self {
            PhpValue::Null => "null",
            PhpValue::Bool(_) => "a boolean",
            PhpValue::Int(_) => "an integer",
            PhpValue::Float(_) => "a float",
            PhpValue::Str(_) => "a string",
            PhpValue::Array(_) => "an array",
            PhpValue::Dynamic { .. } => "a dynamic value",
        }
    }
}

impl PhpArray {
    /// The value stored under a string key.
    pub fn get(&self, key: &str) -> Option<&PhpValue> {
        let key = PhpKey::from_str_key(key);
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value)
    }

    /// True when the keys are exactly 0, 1, … n-1 in order (PHP's "list").
    /// An empty array is not a list, which is why Kirby writes `[\n\n]` for it.
    pub fn is_list(&self) -> bool {
        !self.0.is_empty()
            && self
                .0
                .iter()
                .enumerate()
                .all(|(at, (key, _))| i64::try_from(at).is_ok_and(|at| *key == PhpKey::Int(at)))
    }

    /// The values, ignoring keys.
    pub fn values(&self) -> impl Iterator<Item = &PhpValue> {
        self.0.iter().map(|(_, value)| value)
    }
}

impl PhpKey {
    /// The key PHP makes of a string: canonical decimal integers become `Int`.
    pub fn from_str_key(text: &str) -> PhpKey {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && text != "-0";
        match text.parse::<i64>() {
            Ok(number) if canonical => PhpKey::Int(number),
            _ => PhpKey::Str(text.to_string()),
        }
    }
}

impl std::fmt::Display for PhpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhpKey::Int(number) => write!(f, "{number}"),
            PhpKey::Str(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests;
