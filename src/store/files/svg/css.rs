//! URLs in the CSS of an SVG (`<style>` elements, `style` attributes and
//! presentation attributes such as `fill="url(#g)"`): only references into
//! the document and inline raster images may be loaded; `@import` never.
//!
//! CSS escapes (`\75 rl(`) and comments (`u/**/rl(` is not a URL, but
//! `@im/**/port` must not hide an import either) are undone first, so the
//! check reads what a browser reads.

use super::url;

/// Whether the CSS loads nothing from outside the document.
pub fn loads_nothing_outside(css: &str) -> bool {
    let plain = unescape(&strip_comments(css)).to_ascii_lowercase();
    if plain.contains("@import") {
        return false;
    }
    plain.match_indices("url(").all(|(at, _)| {
        let inside = plain.get(at + 4..).unwrap_or("");
        let target = inside.split(')').next().unwrap_or("");
        let target = target.trim().trim_matches(['"', '\'']).trim();
        url::is_local_or_inline_image(target)
    })
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        rest = after
            .find("*/")
            .map_or("", |end| after.get(end + 2..).unwrap_or(""));
    }
    out.push_str(rest);
    out
}

/// Undoes CSS escapes: `\` and up to six hex digits (plus one optional
/// space) is that code point; `\` and any other character is the character.
fn unescape(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let mut hex = String::new();
        while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
            hex.extend(chars.next());
        }
        if hex.is_empty() {
            out.extend(chars.next());
            continue;
        }
        if chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
        out.push(code.unwrap_or('\u{fffd}'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_local_references_and_inline_images() {
        assert!(loads_nothing_outside("rect { fill: url(#grad) }"));
        assert!(loads_nothing_outside(
            "url( '#a' ) url(\"data:image/png;base64,AA\")"
        ));
        assert!(loads_nothing_outside("circle { stroke: red }"));
    }

    #[test]
    fn refuses_imports_and_outside_urls_however_written() {
        for css in [
            "@import 'http://evil/x.css';",
            "@IMPORT url(x.css)",
            "@im\\70 ort 'x.css'",
            "rect { fill: url(http://evil/x#a) }",
            "rect { fill: \\75 rl(//evil/x) }",
            "rect { background: URL(x.png) }",
            "a { b: url(data:image/svg+xml;base64,AA) }",
            "a { b: u\\rl(/x) }",
        ] {
            assert!(!loads_nothing_outside(css), "{css}");
        }
    }
}
