//! Kirby's PHP encoder: four-space indents, lists without keys, single-quoted
//! strings, `NULL`, and floats the way PHP turns them into strings.

use crate::format::php::{PhpArray, PhpKey, PhpValue};

/// PHP's `precision` setting, used when a float becomes a string.
const PHP_PRECISION: i32 = 14;

pub(super) fn encode(value: &PhpValue, indent: &str) -> String {
    match value {
        PhpValue::Null | PhpValue::Dynamic { .. } => "NULL".to_string(),
        PhpValue::Bool(flag) => flag.to_string(),
        PhpValue::Int(number) => number.to_string(),
        PhpValue::Float(number) => php_float_to_string(*number),
        PhpValue::Str(text) => quote(text),
        PhpValue::Array(array) => encode_array(array, indent),
    }
}

/// `[`, one item per line indented four more spaces, `]` at `indent`; an empty
/// array still gets its two line breaks (`[\n\n]`), as Kirby writes it.
fn encode_array(array: &PhpArray, indent: &str) -> String {
    let inner = format!("{indent}    ");
    let list = array.is_list();
    let items: Vec<String> = array
        .0
        .iter()
        .map(|(key, value)| {
            let key = if list {
                String::new()
            } else {
                format!("{} => ", encode_key(key))
            };
            format!("{inner}{key}{}", encode(value, &inner))
        })
        .collect();
    format!("[\n{}\n{indent}]", items.join(",\n"))
}

fn encode_key(key: &PhpKey) -> String {
    match key {
        PhpKey::Int(number) => number.to_string(),
        PhpKey::Str(text) => quote(text),
    }
}

/// Single quotes with `\` and `'` escaped, as `var_export` writes strings.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A float as PHP prints it: 14 significant digits, no trailing zeros, integral
/// values without a point (`1.0` → `1`), exponent form outside 1e-5..1e15
/// (`1.0E+25`, `1.5E-7`), and `INF`, `-INF`, `NAN`.
pub fn php_float_to_string(number: f64) -> String {
    if number.is_nan() {
        return "NAN".to_string();
    }
    if number.is_infinite() {
        return if number > 0.0 { "INF" } else { "-INF" }.to_string();
    }
    if number == 0.0 {
        return if number.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let scientific = format!("{:.*e}", (PHP_PRECISION - 1) as usize, number.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let sign = if number < 0.0 { "-" } else { "" };

    if !(-4..PHP_PRECISION).contains(&exponent) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}E{exp_sign}{}", exponent.abs());
    }
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = (exponent + 1) as usize;
    if digits.len() <= point {
        return format!("{sign}{digits}{}", "0".repeat(point - digits.len()));
    }
    format!("{sign}{}.{}", &digits[..point], &digits[point..])
}
