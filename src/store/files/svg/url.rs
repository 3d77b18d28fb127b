//! Which URLs an SVG attribute may hold. Browsers ignore whitespace and
//! control characters inside a URL's scheme and compare schemes without
//! case, so both are removed before the scheme is read: `\tJaVa&#115;cript:`
//! (after the XML reader decoded the reference) is `javascript:`.

/// The schemes a link may use.
const SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// The image types an inline `data:` URL may hold (no SVG: it could
/// carry the very content this check keeps out).
const DATA_IMAGES: &[&str] = &["png", "gif", "jpeg", "jpg", "webp", "avif", "bmp"];

/// Whether an `href` may hold the URL; `local_only` allows `#id` only.
pub fn is_allowed(url: &str, local_only: bool) -> bool {
    let plain = normalise(url);
    if plain.starts_with('#') {
        return true;
    }
    if local_only {
        return false;
    }
    match scheme(&plain) {
        None => true,
        Some("data") => is_inline_image(&plain),
        Some(scheme) => SCHEMES.contains(&scheme),
    }
}

/// Whether a CSS `url()` target stays inside the document.
pub fn is_local_or_inline_image(url: &str) -> bool {
    let plain = normalise(url);
    plain.starts_with('#') || (scheme(&plain) == Some("data") && is_inline_image(&plain))
}

fn normalise(url: &str) -> String {
    url.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The scheme of a normalised URL: the part before the first `:`, when no
/// `/`, `?` or `#` comes before it.
fn scheme(plain: &str) -> Option<&str> {
    let end = plain.find([':', '/', '?', '#'])?;
    plain
        .get(end..)
        .filter(|rest| rest.starts_with(':'))
        .and_then(|_| plain.get(..end))
}

fn is_inline_image(plain: &str) -> bool {
    let Some(kind) = plain.strip_prefix("data:image/") else {
        return false;
    };
    let subtype = kind.split([';', ',']).next().unwrap_or("");
    DATA_IMAGES.contains(&subtype) && kind.len() > subtype.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_links_and_local_references() {
        for url in [
            "#a",
            "https://example.com/",
            "page.html",
            "/x",
            "mailto:a@b.c",
        ] {
            assert!(is_allowed(url, false), "{url}");
        }
        assert!(is_allowed("data:image/png;base64,AA", false));
        assert!(is_allowed(" #icon", true));
    }

    #[test]
    fn refuses_script_urls_however_written() {
        for url in [
            "javascript:alert(1)",
            " JaVaScript:alert(1)",
            "java\tscript:x",
            "\u{1}javascript:x",
            "vbscript:x",
            "data:text/html,<script>",
            "data:image/svg+xml,<svg onload=x>",
            "data:image/png",
        ] {
            assert!(!is_allowed(url, false), "{url:?}");
        }
        assert!(!is_allowed("http://evil/x.svg#a", true));
        assert!(!is_allowed("x.svg#a", true));
    }
}
