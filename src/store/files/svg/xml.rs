//! A small, strict XML reader for the SVG check: it splits a document into
//! tags, text and declarations, decodes the five predefined entities and
//! character references, and knows the line each token starts on.
//!
//! It is no general XML parser. It refuses what libxml (Kirby's parser)
//! refuses in the places an attack hides: unquoted or duplicate attributes,
//! undefined entities, `<` inside attribute values, stray `<!` markup and
//! tags that do not nest. A document it cannot read is refused as a whole,
//! so nothing it misunderstands is let through.

/// One attribute, with its value decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr<'a> {
    pub name: &'a str,
    pub value: String,
}

/// One piece of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    /// `<?target …?>`, including the XML declaration.
    Instruction {
        target: &'a str,
    },
    /// `<!DOCTYPE …>`: what follows the keyword, up to the closing `>`.
    Doctype {
        body: &'a str,
    },
    /// A start tag; `closed` for `<x/>`.
    Start {
        name: &'a str,
        attrs: Vec<Attr<'a>>,
        closed: bool,
    },
    End {
        name: &'a str,
    },
    /// Character data (text with entities decoded, or a CDATA section).
    Text(String),
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub &'static str);

/// Reads tokens one by one, each with the line it starts on.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The next token and its line, `None` at the end.
    pub fn next_token(&mut self) -> Result<Option<(usize, Token<'a>)>, ParseError> {
        let rest = self.rest();
        if rest.is_empty() {
            return Ok(None);
        }
        let line = self.line;
        let token = if let Some(body) = rest.strip_prefix("<?") {
            let end = body
                .find("?>")
                .ok_or(ParseError("unterminated processing instruction"))?;
            let target = body.split(|c: char| c.is_whitespace() || c == '?').next();
            self.advance(2 + end + 2);
            Token::Instruction {
                target: target.unwrap_or(""),
            }
        } else if rest.starts_with("<!--") {
            let end = rest.find("-->").ok_or(ParseError("unterminated comment"))?;
            self.advance(end + 3);
            return self.next_token();
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body
                .find("]]>")
                .ok_or(ParseError("unterminated CDATA section"))?;
            self.advance(9 + end + 3);
            Token::Text(body.get(..end).unwrap_or("").to_owned())
        } else if starts_with_ignore_case(rest, "<!DOCTYPE") {
            let len = doctype_len(rest)?;
            self.advance(len);
            Token::Doctype {
                body: rest.get(9..len - 1).unwrap_or(""),
            }
        } else if rest.starts_with("<!") {
            return Err(ParseError("unexpected markup declaration"));
        } else if let Some(body) = rest.strip_prefix("</") {
            let end = body.find('>').ok_or(ParseError("unterminated end tag"))?;
            let name = body.get(..end).unwrap_or("").trim_end();
            check_name(name)?;
            self.advance(2 + end + 1);
            Token::End { name }
        } else if rest.starts_with('<') {
            let (token, len) = start_tag(rest)?;
            self.advance(len);
            token
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = decode(rest.get(..end).unwrap_or(""))?;
            self.advance(end);
            Token::Text(text)
        };
        Ok(Some((line, token)))
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn advance(&mut self, len: usize) {
        let consumed = self.text.get(self.pos..self.pos + len).unwrap_or("");
        self.line += consumed.matches('\n').count();
        self.pos = (self.pos + len).min(self.text.len());
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The length of a doctype declaration up to its `>`, skipping quoted
/// strings and the internal subset (whose declarations hold `>` too).
fn doctype_len(text: &str) -> Result<usize, ParseError> {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for (at, ch) in text.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[') => depth += 1,
            (None, ']') => depth = depth.saturating_sub(1),
            (None, '>') if depth == 0 => return Ok(at + 1),
            _ => {}
        }
    }
    Err(ParseError("unterminated doctype"))
}

/// Reads `<name attr="value" …>` or `<name …/>`: the token and its length.
fn start_tag(text: &str) -> Result<(Token<'_>, usize), ParseError> {
    let after_lt = text.get(1..).unwrap_or("");
    let name_len = after_lt
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .ok_or(ParseError("unterminated start tag"))?;
    let name = after_lt.get(..name_len).unwrap_or("");
    check_name(name)?;
    let mut pos = 1 + name_len;
    let mut attrs: Vec<Attr<'_>> = Vec::new();
    loop {
        let rest = text.get(pos..).unwrap_or("");
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if trimmed.starts_with("/>") {
            return Ok((tag(name, attrs, true), pos + 2));
        }
        if trimmed.starts_with('>') {
            return Ok((tag(name, attrs, false), pos + 1));
        }
        if trimmed.len() == rest.len() && !attrs.is_empty() {
            return Err(ParseError("attributes must be separated by whitespace"));
        }
        let (attr, len) = attribute(trimmed)?;
        if attrs.iter().any(|a| a.name == attr.name) {
            return Err(ParseError("duplicate attribute"));
        }
        attrs.push(attr);
        pos += len;
    }
}

fn tag<'a>(name: &'a str, attrs: Vec<Attr<'a>>, closed: bool) -> Token<'a> {
    Token::Start {
        name,
        attrs,
        closed,
    }
}

/// Reads `name = "value"` (or single quotes): the attribute and its length.
fn attribute(text: &str) -> Result<(Attr<'_>, usize), ParseError> {
    let name_len = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
        .ok_or(ParseError("unterminated start tag"))?;
    let name = text.get(..name_len).unwrap_or("");
    check_name(name)?;
    let rest = text.get(name_len..).unwrap_or("").trim_start();
    let rest = rest
        .strip_prefix('=')
        .ok_or(ParseError("attribute without a value"))?
        .trim_start();
    let quote = rest
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
        .ok_or(ParseError("attribute value without quotes"))?;
    let inner = rest.get(1..).unwrap_or("");
    let end = inner
        .find(quote)
        .ok_or(ParseError("unterminated attribute value"))?;
    let raw = inner.get(..end).unwrap_or("");
    if raw.contains('<') {
        return Err(ParseError("\"<\" in an attribute value"));
    }
    let len = text.len() - inner.len() + end + 1;
    Ok((
        Attr {
            name,
            value: decode(raw)?,
        },
        len,
    ))
}

/// An element or attribute name: not empty, no markup characters.
fn check_name(name: &str) -> Result<(), ParseError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    let rest_ok = chars.all(|c| !c.is_whitespace() && !"<>\"'=/&".contains(c));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(ParseError("invalid name"))
    }
}

/// Decodes the predefined entities and character references; any other
/// entity is undefined (a document has no subset to define one in).
pub fn decode(raw: &str) -> Result<String, ParseError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 1..).unwrap_or("");
        let end = after.find(';').ok_or(ParseError("unterminated entity"))?;
        let entity = after.get(..end).unwrap_or("");
        out.push(entity_char(entity).ok_or(ParseError("undefined entity"))?);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

fn entity_char(entity: &str) -> Option<char> {
    let code = match entity {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => {
            let number = entity.strip_prefix('#')?;
            match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse::<u32>().ok()?,
            }
        }
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Result<Vec<(usize, Token<'_>)>, ParseError> {
        let mut reader = Reader::new(text);
        let mut out = Vec::new();
        while let Some(token) = reader.next_token()? {
            out.push(token);
        }
        Ok(out)
    }

    #[test]
    fn reads_tags_with_decoded_attributes_and_lines() {
        let read = tokens("<?xml version=\"1.0\"?>\n<!-- c\n -->\n<a x='&#106;s&amp;'/>").unwrap();
        assert_eq!(read[0], (1, Token::Instruction { target: "xml" }));
        let Some((
            line,
            Token::Start {
                name,
                attrs,
                closed,
            },
        )) = read.last()
        else {
            panic!("{read:?}");
        };
        assert_eq!((*line, *name, *closed), (4, "a", true));
        assert_eq!(attrs[0].value, "js&");
    }

    #[test]
    fn keeps_the_internal_subset_inside_the_doctype() {
        let read = tokens("<!DOCTYPE svg [<!ENTITY x \"a>b\">]><svg/>").unwrap();
        assert_eq!(
            read[0].1,
            Token::Doctype {
                body: " svg [<!ENTITY x \"a>b\">]"
            }
        );
    }

    #[test]
    fn refuses_what_libxml_refuses() {
        for broken in [
            "<svg onload>",
            "<svg a=b>",
            "<svg a='1' a='2'>",
            "<svg a='<'>",
            "<svg>&xxe;</svg>",
            "<svg a='1'b='2'>",
            "< svg>",
            "<!ENTITY x 'y'>",
            "<svg",
        ] {
            assert!(tokens(broken).is_err(), "{broken}");
        }
    }
}
