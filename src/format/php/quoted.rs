//! Quoted text in the PHP subset: single- and double-quoted strings with
//! PHP's escapes, and the shell-command and heredoc forms Folio only steps over.

use crate::format::php::PhpError;
use crate::format::php::scan::{self, Cursor, is_name_char};

/// A double-quoted string: its text, or why it has none Folio can use.
pub(in crate::format::php) enum Quoted {
    Text(String),
    Interpolated,
    NotUtf8,
}

impl Cursor<'_> {
    /// Reads `'...'`: only `\\` and `\'` are escapes.
    pub(super) fn single_quoted(&mut self) -> Result<String, PhpError> {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            let rest = self.rest();
            let Some(at) = rest.find(['\\', '\'']) else {
                self.pos = start;
                return Err(self.error("unterminated string"));
            };
            text.push_str(&rest[..at]);
            self.pos += at;
            if self.eat(b'\'') {
                return Ok(text);
            }
            self.pos += 1;
            match self.peek() {
                Some(quoted @ (b'\\' | b'\'')) => {
                    text.push(char::from(quoted));
                    self.pos += 1;
                }
                _ => text.push('\\'),
            }
        }
    }

    /// Reads `"..."` with PHP's escapes; `$name` or `{$` makes it interpolated.
    pub(super) fn double_quoted(&mut self) -> Result<Quoted, PhpError> {
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        let mut interpolated = false;
        loop {
            let Some(byte) = self.peek() else {
                self.pos = start;
                return Err(self.error("unterminated string"));
            };
            match byte {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => self.escape(&mut bytes)?,
                b'$' if self
                    .peek_at(1)
                    .is_some_and(|b| scan::is_name_start(b) || b == b'{') =>
                {
                    interpolated = true;
                    self.pos += 1;
                }
                b'{' if self.peek_at(1) == Some(b'$') => {
                    interpolated = true;
                    self.skip_group()?;
                }
                other => {
                    bytes.push(other);
                    self.pos += 1;
                }
            }
        }
        if interpolated {
            return Ok(Quoted::Interpolated);
        }
        Ok(String::from_utf8(bytes).map_or(Quoted::NotUtf8, Quoted::Text))
    }

    /// One backslash sequence in a double-quoted string; unknown ones stay literal.
    fn escape(&mut self, bytes: &mut Vec<u8>) -> Result<(), PhpError> {
        self.pos += 1;
        let simple = match self.peek() {
            Some(b'n') => Some(b'\n'),
            Some(b't') => Some(b'\t'),
            Some(b'r') => Some(b'\r'),
            Some(b'v') => Some(b'\x0B'),
            Some(b'e') => Some(b'\x1B'),
            Some(b'f') => Some(b'\x0C'),
            Some(quoted @ (b'\\' | b'$' | b'"')) => Some(quoted),
            _ => None,
        };
        if let Some(byte) = simple {
            bytes.push(byte);
            self.pos += 1;
            return Ok(());
        }
        match self.peek() {
            Some(b'0'..=b'7') => {
                let digits = self.take_while_max(|b| (b'0'..=b'7').contains(&b), 3);
                let value = u32::from_str_radix(digits, 8).unwrap_or(0);
                bytes.push((value & 0xFF) as u8);
            }
            Some(b'x') if self.peek_at(1).is_some_and(|b| b.is_ascii_hexdigit()) => {
                self.pos += 1;
                let digits = self.take_while_max(|b| b.is_ascii_hexdigit(), 2);
                bytes.push(u8::from_str_radix(digits, 16).unwrap_or(0));
            }
            Some(b'u') if self.peek_at(1) == Some(b'{') => {
                let open = self.pos;
                self.pos += 2;
                let digits = self.take_while_max(|b| b.is_ascii_hexdigit(), 8);
                let ch = u32::from_str_radix(digits, 16)
                    .ok()
                    .and_then(char::from_u32);
                match ch {
                    Some(ch) if self.eat(b'}') => {
                        bytes.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes())
                    }
                    _ => {
                        self.pos = open;
                        return Err(self.error("invalid `\\u{...}` escape"));
                    }
                }
            }
            _ => bytes.push(b'\\'),
        }
        Ok(())
    }

    pub(super) fn skip_backticks(&mut self) -> Result<(), PhpError> {
        let start = self.pos;
        self.pos += 1;
        while let Some(byte) = self.peek() {
            self.pos += if byte == b'\\' { 2 } else { 1 };
            if byte == b'`' {
                return Ok(());
            }
        }
        self.pos = start;
        Err(self.error("unterminated shell command"))
    }

    /// Steps over a heredoc or nowdoc: `<<<ID`, lines, then a line whose first
    /// non-blank text is `ID` not followed by a name character.
    pub(super) fn skip_heredoc(&mut self) -> Result<(), PhpError> {
        let start = self.pos;
        self.pos += 3;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let quote = self.peek().filter(|b| matches!(b, b'\'' | b'"'));
        if quote.is_some() {
            self.pos += 1;
        }
        let label = self.peek_name_at(0);
        self.pos += label.len();
        let closed = quote.is_none_or(|q| self.eat(q));
        let Some(body_start) = self
            .rest()
            .find('\n')
            .filter(|_| closed && !label.is_empty())
        else {
            self.pos = start;
            return Err(self.error("malformed heredoc"));
        };
        self.pos += body_start + 1;
        while !self.at_end() {
            let line = self.rest();
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            let after = line.get(indent..).unwrap_or_default();
            let ends = after.starts_with(label)
                && !after
                    .as_bytes()
                    .get(label.len())
                    .is_some_and(|&b| is_name_char(b));
            if ends {
                self.pos += indent + label.len();
                return Ok(());
            }
            self.pos += line.find('\n').map_or(line.len(), |at| at + 1);
        }
        self.pos = start;
        Err(self.error("unterminated heredoc"))
    }
}
