//! The grammar of the PHP subset: the file's statements, one expression, and
//! arrays with PHP's key rules (numeric-string keys, automatic list keys,
//! later duplicates overwriting in place).

use std::collections::HashMap;

use crate::format::php::scan::{Cursor, Quoted, is_name_start};
use crate::format::php::{PhpArray, PhpError, PhpKey, PhpValue};

/// Deeper nesting than this is refused instead of risking the stack.
const MAX_DEPTH: usize = 200;

pub(super) fn parse_return_file(src: &str) -> Result<PhpValue, PhpError> {
    let mut parser = Parser {
        cur: Cursor::new(src),
        depth: 0,
    };
    parser.open_tag()?;
    parser.statements_before_return()?;
    let value = parser.expression()?;
    parser.cur.skip_trivia()?;
    if parser.cur.eat(b';') || parser.cur.starts_with("?>") {
        // Whatever follows a top-level `return` never runs.
        return Ok(value);
    }
    Err(parser.cur.error(format!(
        "expected `;` after the returned value, found {}",
        parser.cur.found()
    )))
}

struct Parser<'a> {
    cur: Cursor<'a>,
    depth: usize,
}

/// What the start of an expression turned out to be.
enum Primary {
    Value(PhpValue),
    /// Not a literal; the description of the construct for messages.
    Dynamic(String),
}

impl Parser<'_> {
    fn open_tag(&mut self) -> Result<(), PhpError> {
        self.cur.eat_bom();
        while matches!(self.cur.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.cur.pos += 1;
        }
        let tag = self
            .cur
            .rest()
            .get(..5)
            .is_some_and(|tag| tag.eq_ignore_ascii_case("<?php"));
        let separated = matches!(
            self.cur.peek_at(5),
            None | Some(b' ' | b'\t' | b'\n' | b'\r')
        );
        if !tag || !separated {
            return Err(self.cur.error("expected `<?php` at the start of the file"));
        }
        self.cur.pos += 5;
        Ok(())
    }

    /// Skips `declare(...)`, `namespace ...;` and `use ...;` up to `return`.
    fn statements_before_return(&mut self) -> Result<(), PhpError> {
        loop {
            self.cur.skip_trivia()?;
            if self.cur.at_end() {
                return Err(self.cur.error("the file has no `return` statement"));
            }
            let word = self.cur.peek_name_at(0).to_ascii_lowercase();
            match word.as_str() {
                "return" => {
                    self.cur.pos += word.len();
                    return Ok(());
                }
                "declare" | "namespace" | "use" => {
                    self.cur.pos += word.len();
                    self.cur.skip_expression()?;
                    if !self.cur.eat(b';') {
                        return Err(self.cur.error(format!("expected `;` after `{word}`")));
                    }
                }
                _ => {
                    let found = self.cur.found();
                    return Err(self.cur.error(format!("expected `return`, found {found}")));
                }
            }
        }
    }

    /// One value: a literal, or `Dynamic` for anything else (stepped over).
    fn expression(&mut self) -> Result<PhpValue, PhpError> {
        self.cur.skip_trivia()?;
        let start = self.cur.pos;
        let primary = self.primary()?;
        self.cur.skip_trivia()?;
        let construct = match primary {
            // A literal right after a literal is a missing comma; the caller says so.
            Primary::Value(value) if self.at_expression_end() || self.at_literal() => {
                return Ok(value);
            }
            Primary::Value(_) => describe_operator(self.cur.rest()),
            Primary::Dynamic(construct) => construct,
        };
        self.cur.skip_expression()?;
        Ok(PhpValue::Dynamic {
            line: self.cur.line_at(start),
            construct,
        })
    }

    fn at_expression_end(&self) -> bool {
        self.cur.at_end()
            || matches!(self.cur.peek(), Some(b',' | b';' | b')' | b']' | b'}'))
            || self.cur.starts_with("=>")
            || self.cur.starts_with("?>")
    }

    fn at_literal(&self) -> bool {
        matches!(self.cur.peek(), Some(b'\'' | b'"' | b'0'..=b'9'))
    }

    fn primary(&mut self) -> Result<Primary, PhpError> {
        let Some(byte) = self.cur.peek() else {
            return Err(self
                .cur
                .error("expected a value, found the end of the file"));
        };
        let dynamic = |construct: &str| Ok(Primary::Dynamic(construct.to_string()));
        match byte {
            b'[' => {
                self.cur.pos += 1;
                self.array(b']').map(Primary::Value)
            }
            b'\'' => Ok(Primary::Value(PhpValue::Str(self.cur.single_quoted()?))),
            b'"' => match self.cur.double_quoted()? {
                Quoted::Text(text) => Ok(Primary::Value(PhpValue::Str(text))),
                Quoted::Interpolated => dynamic("string interpolation"),
                Quoted::NotUtf8 => dynamic("string that is not valid UTF-8"),
            },
            b'0'..=b'9' => self.cur.number().map(Primary::Value),
            b'.' if self.cur.peek_at(1).is_some_and(|b| b.is_ascii_digit()) => {
                self.cur.number().map(Primary::Value)
            }
            b'-' | b'+' => self.signed_number(byte == b'-'),
            b'$' => Ok(Primary::Dynamic(format!(
                "variable `${}`",
                self.cur.peek_name_at(1)
            ))),
            b'<' if self.cur.starts_with("<<<") => dynamic("heredoc"),
            b'`' => dynamic("shell command"),
            b'(' => dynamic("parenthesised expression"),
            b'&' => dynamic("reference"),
            b'@' => dynamic("`@` expression"),
            b'!' => dynamic("negation"),
            b'~' => dynamic("bitwise operation"),
            b'.' if self.cur.starts_with("...") => dynamic("spread `...`"),
            b'\\' => self.named(),
            _ if is_name_start(byte) => self.named(),
            _ => {
                let found = self.cur.found();
                Err(self.cur.error(format!("expected a value, found {found}")))
            }
        }
    }

    /// `-5`, `+1.5`; a sign before anything else is arithmetic.
    fn signed_number(&mut self, negative: bool) -> Result<Primary, PhpError> {
        self.cur.pos += 1;
        self.cur.skip_trivia()?;
        let digit_next = self.cur.peek().is_some_and(|b| b.is_ascii_digit())
            || (self.cur.peek() == Some(b'.')
                && self.cur.peek_at(1).is_some_and(|b| b.is_ascii_digit()));
        if !digit_next {
            return Ok(Primary::Dynamic("arithmetic expression".to_string()));
        }
        let value = match self.cur.number()? {
            PhpValue::Int(number) if negative => PhpValue::Int(-number),
            PhpValue::Float(number) if negative => PhpValue::Float(-number),
            other => other,
        };
        Ok(Primary::Value(value))
    }

    /// A keyword, constant, call or class access starting with a name.
    fn named(&mut self) -> Result<Primary, PhpError> {
        let start = self.cur.pos;
        let name = self.cur.name().unwrap_or_default();
        let bare = name.trim_start_matches('\\');
        let value = |value| Ok(Primary::Value(value));
        match bare.to_ascii_lowercase().as_str() {
            "true" => return value(PhpValue::Bool(true)),
            "false" => return value(PhpValue::Bool(false)),
            "null" => return value(PhpValue::Null),
            "array" => return self.long_array(),
            "fn" | "function" => {
                self.cur.pos = start;
                return Ok(Primary::Dynamic("closure".to_string()));
            }
            "static" if !self.cur.rest().trim_start().starts_with("::") => {
                self.cur.pos = start;
                return Ok(Primary::Dynamic("closure".to_string()));
            }
            "new" => {
                self.cur.skip_trivia()?;
                let class = self.cur.name().unwrap_or("class");
                return Ok(Primary::Dynamic(format!("`new {class}` object")));
            }
            "include" | "include_once" | "require" | "require_once" => {
                return Ok(Primary::Dynamic(format!("file include `{bare}`")));
            }
            "match" | "isset" | "empty" | "list" | "print" | "clone" | "throw" | "yield"
            | "eval" | "exit" | "die" => {
                return Ok(Primary::Dynamic(format!("`{bare}` expression")));
            }
            _ => {}
        }
        if let Some(constant) = known_constant(bare) {
            return value(constant);
        }
        self.cur.skip_trivia()?;
        if self.cur.peek() == Some(b'(') {
            return Ok(Primary::Dynamic(format!("function call `{bare}()`")));
        }
        if self.cur.starts_with("::") {
            return self.class_member(bare);
        }
        Ok(Primary::Dynamic(format!("constant `{bare}`")))
    }

    fn class_member(&mut self, class: &str) -> Result<Primary, PhpError> {
        self.cur.pos += 2;
        self.cur.skip_trivia()?;
        let variable = self.cur.eat(b'$');
        let member = self.cur.name().unwrap_or_default().to_string();
        self.cur.skip_trivia()?;
        let construct = if self.cur.peek() == Some(b'(') {
            format!("static method call `{class}::{member}()`")
        } else if variable {
            format!("static property `{class}::${member}`")
        } else if member.eq_ignore_ascii_case("class") {
            format!("class name `{class}::class`")
        } else {
            format!("class constant `{class}::{member}`")
        };
        Ok(Primary::Dynamic(construct))
    }

    /// `array( ... )`, after the word `array`.
    fn long_array(&mut self) -> Result<Primary, PhpError> {
        self.cur.skip_trivia()?;
        if !self.cur.eat(b'(') {
            return Err(self.cur.error("expected `(` after `array`"));
        }
        self.array(b')').map(Primary::Value)
    }

    /// The items of an array whose opener was just consumed, up to `close`.
    /// A key Folio cannot evaluate (or a `...` spread) makes the whole array
    /// `Dynamic`, since its keys are then unknown.
    fn array(&mut self, close: u8) -> Result<PhpValue, PhpError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.cur.error("arrays are nested too deeply"));
        }
        let mut builder = ArrayBuilder::new();
        let mut unknown_keys: Option<PhpValue> = None;
        loop {
            self.cur.skip_trivia()?;
            if self.cur.eat(close) {
                break;
            }
            let item_start = self.cur.pos;
            let first = self.expression()?;
            if self.cur.starts_with("=>") {
                self.cur.pos += 2;
                let value = self.expression()?;
                match array_key(first) {
                    Ok(key) => builder.insert(key, value),
                    Err(KeyIssue::Dynamic { line, construct }) => {
                        let construct = format!("{construct} as an array key");
                        unknown_keys.get_or_insert(PhpValue::Dynamic { line, construct });
                    }
                    Err(KeyIssue::Array) => {
                        self.cur.pos = item_start;
                        return Err(self.cur.error("an array cannot be an array key"));
                    }
                }
            } else if let PhpValue::Dynamic { line, construct } = &first
                && construct.starts_with("spread")
            {
                let construct = construct.clone();
                unknown_keys.get_or_insert(PhpValue::Dynamic {
                    line: *line,
                    construct,
                });
            } else if !builder.push(first) {
                return Err(self
                    .cur
                    .error("cannot append after the largest integer key"));
            }
            self.cur.skip_trivia()?;
            if self.cur.eat(b',') {
                continue;
            }
            if self.cur.eat(close) {
                break;
            }
            let found = self.cur.found();
            return Err(self.cur.error(format!(
                "expected `,` or `{}`, found {found}",
                char::from(close)
            )));
        }
        self.depth -= 1;
        Ok(unknown_keys.unwrap_or_else(|| PhpValue::Array(builder.finish())))
    }
}

/// PHP's constants that this subset evaluates: the locale categories (used
/// as keys of a language's `locale`) and the float specials the writer emits.
fn known_constant(name: &str) -> Option<PhpValue> {
    let value = match name {
        "LC_CTYPE" => PhpValue::Int(0),
        "LC_NUMERIC" => PhpValue::Int(1),
        "LC_TIME" => PhpValue::Int(2),
        "LC_COLLATE" => PhpValue::Int(3),
        "LC_MONETARY" => PhpValue::Int(4),
        "LC_MESSAGES" => PhpValue::Int(5),
        "LC_ALL" => PhpValue::Int(6),
        "INF" => PhpValue::Float(f64::INFINITY),
        "NAN" => PhpValue::Float(f64::NAN),
        _ => return None,
    };
    Some(value)
}

/// Names the operator after a literal, for the `Dynamic` description.
fn describe_operator(rest: &str) -> String {
    let word: String = rest
        .chars()
        .take_while(|ch| ch.is_ascii_alphabetic())
        .collect();
    let described = match () {
        _ if rest.starts_with("??") => "null coalescing expression",
        _ if rest.starts_with('?') => "conditional expression",
        _ if rest.starts_with("->") || rest.starts_with("?->") => "property or method access",
        _ if rest.starts_with("::") => "class member access",
        _ if rest.starts_with("==") || rest.starts_with("!=") => "comparison",
        _ if rest.starts_with(['<', '>']) => "comparison",
        _ if rest.starts_with("&&") || rest.starts_with("||") => "logical operation",
        _ if rest.starts_with('.') => "concatenation",
        _ if rest.starts_with(['+', '-', '*', '/', '%']) => "arithmetic expression",
        _ if rest.starts_with(['|', '&', '^']) => "bitwise operation",
        _ if rest.starts_with(['[', '{']) => "array access",
        _ if rest.starts_with('(') => "call",
        _ if rest.starts_with('=') => "assignment",
        _ if ["and", "or", "xor"].contains(&word.to_ascii_lowercase().as_str()) => {
            "logical operation"
        }
        _ => "expression",
    };
    described.to_string()
}

enum KeyIssue {
    Dynamic { line: usize, construct: String },
    Array,
}

/// PHP's key casts: numeric strings and bools become ints, null becomes `""`,
/// floats are truncated.
fn array_key(value: PhpValue) -> Result<PhpKey, KeyIssue> {
    match value {
        PhpValue::Int(number) => Ok(PhpKey::Int(number)),
        PhpValue::Str(text) => Ok(PhpKey::from_str_key(&text)),
        PhpValue::Bool(flag) => Ok(PhpKey::Int(i64::from(flag))),
        PhpValue::Null => Ok(PhpKey::Str(String::new())),
        // `as` saturates and maps NaN to 0, which is as good as PHP's deprecated cast.
        PhpValue::Float(number) => Ok(PhpKey::Int(number.trunc() as i64)),
        PhpValue::Array(_) => Err(KeyIssue::Array),
        PhpValue::Dynamic { line, construct } => Err(KeyIssue::Dynamic { line, construct }),
    }
}

/// Collects entries with PHP's rules: a repeated key overwrites in place, and
/// list items take the next integer after the largest one so far (starting at
/// 0 even after negative keys, as PHP before 8.3 does).
struct ArrayBuilder {
    entries: Vec<(PhpKey, PhpValue)>,
    index: HashMap<PhpKey, usize>,
    next: Option<i64>,
}

impl ArrayBuilder {
    fn new() -> Self {
        ArrayBuilder {
            entries: Vec::new(),
            index: HashMap::new(),
            next: Some(0),
        }
    }

    fn insert(&mut self, key: PhpKey, value: PhpValue) {
        if let PhpKey::Int(number) = key
            && let Some(next) = self.next
            && number >= next
        {
            self.next = number.checked_add(1);
        }
        match self.index.get(&key) {
            Some(&at) => self.entries[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    /// Appends a list item; false when the next key would overflow.
    fn push(&mut self, value: PhpValue) -> bool {
        match self.next {
            Some(next) => {
                self.insert(PhpKey::Int(next), value);
                true
            }
            None => false,
        }
    }

    fn finish(self) -> PhpArray {
        PhpArray(self.entries)
    }
}
