//! Filters Folio adds to the template language.
//!
//! Content fields hold plain text with blank lines between paragraphs. Kirby
//! would run them through KirbyText (Markdown); until Folio has that, the
//! `paragraphs` filter gives templates readable HTML without ever letting a
//! field's text through unescaped.
//!
//! FIXME: fields are not rendered as KirbyText (Markdown plus Kirby tags); `paragraphs` is only a
//! plain-text stand-in.

use minijinja::{HtmlEscape, Value};

/// `{{ page.content.text | paragraphs }}`: each blank-line separated block
/// becomes an escaped `<p>`, single line breaks inside a block become `<br>`.
/// A missing field (a page without `text`, or whose content file cannot be
/// read) renders as nothing rather than failing the whole page.
pub fn paragraphs(text: Option<&str>) -> Value {
    let text = text.unwrap_or_default();
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let html: Vec<String> = normalised
        .split("\n\n")
        .map(str::trim)
        .filter(|block| !block.is_empty())
        .map(|block| {
            let lines: Vec<String> = block
                .lines()
                .map(|line| HtmlEscape(line.trim_end()).to_string())
                .collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect();
    Value::from_safe_string(html.join("\n"))
}
