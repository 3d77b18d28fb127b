//! The lexical layer of the PHP subset: a cursor over the source that skips
//! comments, reads strings and numbers, and steps over any construct it does
//! not understand by balancing brackets, so the grammar in `parse` can stay small.

use std::cell::Cell;

use crate::format::php::{PhpError, PhpValue};

pub(super) use crate::format::php::quoted::Quoted;

/// A position in the source plus the line bookkeeping for messages.
pub(super) struct Cursor<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    /// The last (position, line) pair computed, so lines are counted only forward.
    line_cache: Cell<(usize, usize)>,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Cursor {
            src,
            pos: 0,
            line_cache: Cell::new((0, 1)),
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.peek_at(0)
    }

    pub(super) fn peek_at(&self, offset: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + offset).copied()
    }

    pub(super) fn starts_with(&self, text: &str) -> bool {
        self.rest().starts_with(text)
    }

    pub(super) fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Consumes `byte` if it is next.
    pub(super) fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Skips a UTF-8 byte order mark at the current position.
    pub(super) fn eat_bom(&mut self) {
        if self.starts_with("\u{feff}") {
            self.pos += '\u{feff}'.len_utf8();
        }
    }

    /// Moves past one whole character (never into the middle of a UTF-8 sequence).
    pub(super) fn advance_char(&mut self) {
        self.pos += self.rest().chars().next().map_or(1, char::len_utf8);
    }

    /// The 1-based line of a byte position.
    pub(super) fn line_at(&self, pos: usize) -> usize {
        let (cached_pos, cached_line) = self.line_cache.get();
        let (from, base) = if pos >= cached_pos {
            (cached_pos, cached_line)
        } else {
            (0, 1)
        };
        let bytes = self.src.as_bytes().get(from..pos).unwrap_or_default();
        let line = base + bytes.iter().filter(|&&b| b == b'\n').count();
        self.line_cache.set((pos, line));
        line
    }

    pub(super) fn error(&self, message: impl Into<String>) -> PhpError {
        PhpError {
            line: self.line_at(self.pos),
            message: message.into(),
        }
    }

    /// What comes next, for "found ..." in messages.
    pub(super) fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "the end of the file".to_string(),
            Some(ch) => format!("`{ch}`"),
        }
    }

    /// Skips whitespace, `//`, `#` and `/* */` comments and `#[...]` attributes.
    pub(super) fn skip_trivia(&mut self) -> Result<(), PhpError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0B' | b'\x0C') => self.pos += 1,
                Some(b'#') if self.peek_at(1) == Some(b'[') => {
                    self.pos += 1;
                    self.skip_group()?;
                }
                Some(b'#') => self.skip_line_comment(),
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.skip_line_comment(),
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    let Some(end) = self.rest().get(2..).and_then(|rest| rest.find("*/")) else {
                        return Err(self.error("unterminated `/*` comment"));
                    };
                    self.pos += 2 + end + 2;
                }
                _ => return Ok(()),
            }
        }
    }

    /// A one-line comment ends at the newline or just before `?>`.
    fn skip_line_comment(&mut self) {
        let rest = self.rest();
        let end = [rest.find('\n'), rest.find("?>")]
            .into_iter()
            .flatten()
            .min();
        self.pos += end.unwrap_or(rest.len());
    }

    /// Reads a name, possibly namespaced (`\Foo\bar`), or nothing.
    pub(super) fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        loop {
            let segment_start = self.pos;
            if self.peek() == Some(b'\\') {
                self.pos += 1;
            }
            if !self.peek().is_some_and(is_name_start) {
                self.pos = segment_start;
                break;
            }
            while self.peek().is_some_and(is_name_char) {
                self.pos += 1;
            }
        }
        (self.pos > start).then(|| &self.src[start..self.pos])
    }

    /// Reads a name at `pos + offset` without moving.
    pub(super) fn peek_name_at(&self, offset: usize) -> &'a str {
        let rest = self.src.get(self.pos + offset..).unwrap_or_default();
        if !rest.bytes().next().is_some_and(is_name_start) {
            return "";
        }
        let len = rest.bytes().take_while(|&b| is_name_char(b)).count();
        &rest[..len]
    }

    pub(super) fn take_while_max(&mut self, accept: impl Fn(u8) -> bool, max: usize) -> &'a str {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(&accept) {
            self.pos += 1;
        }
        &self.src[start..self.pos]
    }

    /// Reads an unsigned number literal: decimal, `0x`, `0b`, `0o`/leading-zero
    /// octal, floats with `.` or exponent, `_` between digits. Integers too big
    /// for `i64` become floats, as in PHP.
    pub(super) fn number(&mut self) -> Result<PhpValue, PhpError> {
        let start = self.pos;
        let radix = match (self.peek(), self.peek_at(1).map(|b| b.to_ascii_lowercase())) {
            (Some(b'0'), Some(b'x')) => Some(16),
            (Some(b'0'), Some(b'b')) => Some(2),
            (Some(b'0'), Some(b'o')) => Some(8),
            _ => None,
        };
        let value = match radix {
            Some(radix) => {
                self.pos += 2;
                let digits = self.digits(|b| char::from(b).is_digit(radix));
                integer(&digits, radix)
            }
            None => self.decimal(),
        };
        let value = value.ok_or_else(|| self.error("invalid numeric literal"));
        if self.peek().is_some_and(is_name_char) {
            self.pos = start;
            return Err(self.error("invalid numeric literal"));
        }
        value
    }

    /// Decimal and octal integers and floats.
    fn decimal(&mut self) -> Option<PhpValue> {
        let whole = self.digits(|b| b.is_ascii_digit());
        let mut text = whole.clone();
        let mut is_float = false;
        let digit_after_dot = self.peek_at(1).is_some_and(|b| b.is_ascii_digit());
        if self.peek() == Some(b'.') && (digit_after_dot || !whole.is_empty()) {
            self.pos += 1;
            text.push('.');
            text.push_str(&self.digits(|b| b.is_ascii_digit()));
            is_float = true;
        }
        if self.peek().is_some_and(|b| b.eq_ignore_ascii_case(&b'e')) {
            let sign = usize::from(matches!(self.peek_at(1), Some(b'+' | b'-')));
            if self.peek_at(1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                text.push_str(&self.rest()[..1 + sign]);
                self.pos += 1 + sign;
                text.push_str(&self.digits(|b| b.is_ascii_digit()));
                is_float = true;
            }
        }
        if is_float {
            return text.parse::<f64>().ok().map(PhpValue::Float);
        }
        if whole.len() > 1 && whole.starts_with('0') {
            return integer(&whole, 8);
        }
        integer(&whole, 10)
    }

    /// Digits with `_` allowed only between two digits; returned without the `_`.
    fn digits(&mut self, is_digit: impl Fn(u8) -> bool) -> String {
        let mut out = String::new();
        while let Some(byte) = self.peek() {
            if is_digit(byte) {
                out.push(char::from(byte));
                self.pos += 1;
            } else if byte == b'_' && !out.is_empty() && self.peek_at(1).is_some_and(&is_digit) {
                self.pos += 1;
            } else {
                break;
            }
        }
        out
    }

    /// Steps over one bracketed group starting at `(`, `[` or `{`, including its
    /// nested strings, comments and groups.
    pub(super) fn skip_group(&mut self) -> Result<(), PhpError> {
        let mut stack = Vec::new();
        self.step(&mut stack)?;
        while !stack.is_empty() {
            self.skip_trivia()?;
            if self.at_end() {
                return Err(self.error("a bracket is never closed"));
            }
            self.step(&mut stack)?;
        }
        Ok(())
    }

    /// Steps over the rest of an expression Folio does not evaluate: up to the
    /// next `,`, `;`, `=>` or closing bracket at the same depth. An arrow
    /// function's own `=>` (after `fn (...)`) is part of the expression.
    pub(super) fn skip_expression(&mut self) -> Result<(), PhpError> {
        let mut stack = Vec::new();
        let mut pending_arrows = 0usize;
        loop {
            self.skip_trivia()?;
            if self.at_end() {
                return match stack.is_empty() {
                    true => Ok(()),
                    false => Err(self.error("a bracket is never closed")),
                };
            }
            if stack.is_empty() {
                if self.starts_with("=>") {
                    if pending_arrows == 0 {
                        return Ok(());
                    }
                    pending_arrows -= 1;
                    self.pos += 2;
                    continue;
                }
                let ends = matches!(self.peek(), Some(b',' | b';' | b')' | b']' | b'}'));
                if ends || self.starts_with("?>") {
                    return Ok(());
                }
                if self.peek_name_at(0).eq_ignore_ascii_case("fn") {
                    pending_arrows += 1;
                }
            }
            self.step(&mut stack)?;
        }
    }

    /// Consumes one token, keeping `stack` of the closers still expected.
    fn step(&mut self, stack: &mut Vec<u8>) -> Result<(), PhpError> {
        let Some(byte) = self.peek() else {
            return Ok(());
        };
        match byte {
            b'(' | b'[' | b'{' => {
                stack.push(closer_of(byte));
                self.pos += 1;
            }
            b')' | b']' | b'}' => {
                if stack.pop() != Some(byte) {
                    return Err(self.error(format!("unexpected `{}`", char::from(byte))));
                }
                self.pos += 1;
            }
            b'\'' => drop(self.single_quoted()?),
            b'"' => drop(self.double_quoted()?),
            b'`' => self.skip_backticks()?,
            b'<' if self.starts_with("<<<") => self.skip_heredoc()?,
            b'<' if self.starts_with("<=>") => self.pos += 3,
            b'=' if self.starts_with("=>") => self.pos += 2,
            b'?' if self.starts_with("?>") => self.pos += 2,
            _ if is_name_start(byte) || byte.is_ascii_digit() => {
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
            }
            _ => self.advance_char(),
        }
        Ok(())
    }
}

fn closer_of(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

/// PHP names start with a letter, `_` or any byte of a non-ASCII character.
pub(super) fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

pub(super) fn is_name_char(byte: u8) -> bool {
    is_name_start(byte) || byte.is_ascii_digit()
}

/// An integer in `radix`, or a float when it does not fit in `i64`; `None` for
/// no digits or digits outside the radix (an octal `09`).
fn integer(digits: &str, radix: u32) -> Option<PhpValue> {
    if digits.is_empty() || !digits.chars().all(|ch| ch.is_digit(radix)) {
        return None;
    }
    if let Ok(number) = i64::from_str_radix(digits, radix) {
        return Some(PhpValue::Int(number));
    }
    if radix == 10 {
        return digits.parse().ok().map(PhpValue::Float);
    }
    let float = digits.chars().fold(0.0f64, |acc, ch| {
        acc * f64::from(radix) + f64::from(ch.to_digit(radix).unwrap_or(0))
    });
    Some(PhpValue::Float(float))
}
