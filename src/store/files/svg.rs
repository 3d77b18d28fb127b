//! The SVG upload check: an SVG may hold drawing, text and styling only.
//!
//! Kirby validates uploaded SVGs against an allow-list and refuses the file
//! with the first problem it finds, in document order; Folio does the same
//! with its own lists ([`lists`]). The document is read by a strict little
//! reader ([`xml`]) and then checked piece by piece: the doctype (no
//! internal subset, so no entities), processing instructions (none but the
//! XML declaration), each element (by local name, so a namespace prefix
//! hides nothing), each attribute (allow-listed names, namespaces, URLs,
//! animation targets), and the CSS of `<style>` elements and attributes.
//! A document the reader cannot read is refused as a whole.

mod css;
mod lists;
mod url;
mod xml;

use xml::{Attr, Reader, Token};

/// Checks an SVG document; the error is the message of the first problem.
pub fn check(svg: &str) -> Result<(), String> {
    let mut reader = Reader::new(svg);
    let mut open: Vec<(&str, usize)> = Vec::new();
    let mut seen_root = false;
    loop {
        let next = reader
            .next_token()
            .map_err(|e| format!("The markup could not be parsed: {e}"))?;
        let Some((line, token)) = next else {
            break;
        };
        match token {
            Token::Instruction { target } => check_instruction(target, line)?,
            Token::Doctype { body } if !seen_root => check_doctype(body)?,
            Token::Doctype { .. } => return Err(unparsable("misplaced doctype")),
            Token::Start {
                name,
                attrs,
                closed,
            } => {
                if !seen_root && !local_name(name).eq_ignore_ascii_case("svg") {
                    return Err(format!("The file is not a SVG (got <{name}>)"));
                }
                seen_root = true;
                check_element(name, &attrs, line)?;
                if !closed {
                    open.push((name, line));
                }
            }
            Token::End { name } => match open.pop() {
                Some((opened, _)) if opened == name => {}
                _ => return Err(unparsable("mismatched end tag")),
            },
            Token::Text(text) => check_text(&text, open.last().copied())?,
        }
    }
    if open.is_empty() {
        Ok(())
    } else {
        Err(unparsable("unclosed element"))
    }
}

fn unparsable(reason: &str) -> String {
    format!("The markup could not be parsed: {reason}")
}

/// The name without its namespace prefix.
fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn check_instruction(target: &str, line: usize) -> Result<(), String> {
    if target == "xml" {
        return Ok(());
    }
    Err(format!(
        "The \"{target}\" processing instruction (line {line}) is not allowed"
    ))
}

/// A doctype may name `svg` and the W3C's DTD, nothing else: an internal
/// subset declares entities (XXE, "billion laughs"), other identifiers
/// point at files outside.
fn check_doctype(body: &str) -> Result<(), String> {
    let mut quoted = false;
    for ch in body.chars() {
        match ch {
            '"' | '\'' => quoted = !quoted,
            '[' if !quoted => return Err("The doctype must not define a subset".to_owned()),
            _ => {}
        }
    }
    let mut words = body.split_whitespace();
    if words.next() != Some("svg") {
        return Err("Invalid doctype".to_owned());
    }
    let outside = body
        .split(['"', '\''])
        .skip(1)
        .step_by(2)
        .any(|id| id.contains(':') && !id.starts_with("http://www.w3.org/"));
    if outside {
        return Err("The doctype must not reference external files".to_owned());
    }
    Ok(())
}

fn check_element(name: &str, attrs: &[Attr<'_>], line: usize) -> Result<(), String> {
    let local = local_name(name).to_ascii_lowercase();
    if !lists::ELEMENTS.contains(&local.as_str()) {
        return Err(format!(
            "The \"{name}\" element (line {line}) is not allowed"
        ));
    }
    attrs
        .iter()
        .try_for_each(|attr| check_attribute(&local, attr, line))
}

fn check_attribute(element: &str, attr: &Attr<'_>, line: usize) -> Result<(), String> {
    let name = attr.name.to_ascii_lowercase();
    let refused = |reason: &str| {
        Err(format!(
            "The \"{}\" attribute (line {line}) is not allowed{reason}",
            attr.name
        ))
    };
    if name == "xmlns" || name.starts_with("xmlns:") {
        if lists::NAMESPACES.contains(&attr.value.trim()) {
            return Ok(());
        }
        return Err(format!(
            "The namespace \"{}\" is not allowed (around line {line})",
            attr.value
        ));
    }
    let listed = lists::ATTRIBUTES.contains(&name.as_str())
        || lists::ATTRIBUTE_PREFIXES
            .iter()
            .any(|p| name.starts_with(p));
    if !listed {
        return refused(": Not included in the global allowlist");
    }
    if lists::URL_ATTRIBUTES.contains(&name.as_str()) {
        let local_only = lists::LOCAL_ONLY_ELEMENTS.contains(&element);
        if !url::is_allowed(&attr.value, local_only) {
            return Err(format!(
                "The URL is not allowed in attribute \"{}\" (line {line})",
                attr.name
            ));
        }
        return Ok(());
    }
    if name == "attributename" && animates_active_content(&attr.value) {
        return refused(": Animating links and event handlers is not allowed");
    }
    if !css::loads_nothing_outside(&attr.value) {
        return Err(format!(
            "The URL is not allowed in attribute \"{}\" (line {line})",
            attr.name
        ));
    }
    Ok(())
}

/// Whether an animation's `attributeName` targets a link or an event
/// handler, which would turn a harmless value into a script.
fn animates_active_content(target: &str) -> bool {
    let target = local_name(target.trim()).to_ascii_lowercase();
    target == "href" || target.starts_with("on")
}

/// Text matters inside `<style>` only, where it is CSS.
fn check_text(text: &str, parent: Option<(&str, usize)>) -> Result<(), String> {
    let Some((name, line)) = parent else {
        return Ok(());
    };
    if !local_name(name).eq_ignore_ascii_case("style") || css::loads_nothing_outside(text) {
        return Ok(());
    }
    Err(format!(
        "The URL is not allowed in the \"style\" element (line {line})"
    ))
}

#[cfg(test)]
mod tests;
