//! What Kirby lets into a site folder: the sanitised file name of an upload,
//! and the extensions and contents it refuses (PHP, HTML, Apache config,
//! content files, SVGs with scripts).

use crate::format::ascii::to_ascii;

/// Why an upload is refused, with the data of Kirby's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// `error.file.type.forbidden`: `type` is `PHP`, `HTML` or `Apache config`.
    ForbiddenType(&'static str),
    /// `error.file.extension.forbidden`.
    ForbiddenExtension(String),
    /// `error.file.extension.missing`.
    MissingExtension(String),
    /// `error.file.name.missing`.
    MissingName,
    /// `error.file.name.invalid`: the name starts with a dot.
    DotName,
    /// An SVG with active content: Kirby's sanitiser message, untranslated.
    UnsafeSvg(String),
}

/// Kirby's `F::safeName`: the base name only, slugged, with `@ . _ -`
/// allowed in the name and a slugged, lowercase extension.
pub fn safe_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let (name, extension) = match base.rsplit_once('.') {
        Some((name, ext)) => (name, Some(ext)),
        None => (base, None),
    };
    let name = slug_with(name, "@._-");
    let extension: Option<String> = extension
        .map(|e| slug_with(e, ""))
        .filter(|e| !e.is_empty())
        .map(|e| e.chars().take(16).collect());
    // The name is cut so that the file and its meta file (`<file>.<code>.txt`)
    // stay within the file system's 255-byte limit. The slug is ASCII, so
    // bytes and characters agree.
    let room = MAX_FILENAME - extension.as_ref().map_or(0, |e| e.len() + 1);
    let name: String = name.chars().take(room).collect();
    let name = name.trim_end_matches('-').to_owned();
    match extension {
        Some(ext) => format!("{name}.{ext}"),
        None => name,
    }
}

/// The longest file name Folio gives an upload: 255 bytes minus room for a
/// multi-language meta file's `.<code>.txt`.
const MAX_FILENAME: usize = 240;

fn slug_with(text: &str, extra: &str) -> String {
    let ascii = to_ascii(text.trim()).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for ch in ascii.chars() {
        if ch.is_ascii_alphanumeric() || (extra.contains(ch) && ch != '-') {
            out.push(ch);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// The extension of a file name, lowercased (`""` when it has none).
pub fn extension(filename: &str) -> String {
    filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default()
}

/// Checks a sanitised file name and its bytes the way Kirby's file rules do:
/// extension first, then content, then the name.
pub fn check(filename: &str, bytes: &[u8]) -> Result<(), Rejection> {
    check_extension_of(filename)?;
    check_content(&extension(filename), bytes)?;
    check_dot(filename)
}

/// The checks that look at the name only, for renames.
pub fn check_name(filename: &str) -> Result<(), Rejection> {
    check_extension_of(filename)?;
    check_dot(filename)
}

fn check_extension_of(filename: &str) -> Result<(), Rejection> {
    if filename.is_empty() {
        return Err(Rejection::MissingName);
    }
    let ext = extension(filename);
    if ext.is_empty() {
        return Err(Rejection::MissingExtension(filename.to_owned()));
    }
    check_extension(&ext)
}

fn check_dot(filename: &str) -> Result<(), Rejection> {
    if filename.starts_with('.') {
        return Err(Rejection::DotName);
    }
    Ok(())
}

fn check_extension(ext: &str) -> Result<(), Rejection> {
    if ["php", "phar", "phtml"].iter().any(|p| ext.contains(p)) {
        return Err(Rejection::ForbiddenType("PHP"));
    }
    if ext.contains("htm") {
        return Err(Rejection::ForbiddenType("HTML"));
    }
    if ext == "exe" || ext == "txt" {
        return Err(Rejection::ForbiddenExtension(ext.to_owned()));
    }
    if ext == "htaccess" || ext == "htpasswd" {
        return Err(Rejection::ForbiddenType("Apache config"));
    }
    Ok(())
}

/// Compressed SVGs are refused: their content could only be checked after
/// unpacking, and a browser unpacks what it is served.
const SVGZ_REFUSED: &str =
    "Compressed SVG files (.svgz) are not supported, please upload an uncompressed .svg file";

/// Content checks that do not trust the extension: PHP or HTML inside any
/// file Kirby's MIME detection would flag, and SVG active content.
fn check_content(ext: &str, bytes: &[u8]) -> Result<(), Rejection> {
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(1024)).unwrap_or_default())
        .to_ascii_lowercase();
    let head = head.trim_start();
    if head.starts_with("<?php") {
        return Err(Rejection::ForbiddenType("PHP"));
    }
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return Err(Rejection::ForbiddenType("HTML"));
    }
    if ext == "svgz" {
        return Err(Rejection::UnsafeSvg(SVGZ_REFUSED.to_owned()));
    }
    if ext == "svg" || (head.starts_with('<') && (head.contains("<svg") || head.contains(":svg"))) {
        return check_svg(&String::from_utf8_lossy(bytes));
    }
    Ok(())
}

/// Refuses SVGs with active content, see [`super::svg`].
fn check_svg(svg: &str) -> Result<(), Rejection> {
    super::svg::check(svg).map_err(Rejection::UnsafeSvg)
}

/// The MIME type the bytes show, for the formats whose signature is plain.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
    ];
    if bytes.len() >= 12 && bytes.get(..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Some("image/webp");
    }
    SIGNATURES
        .iter()
        .find(|(sig, _)| bytes.starts_with(sig))
        .map(|(_, mime)| *mime)
}

#[cfg(test)]
mod long_name_tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_fit_with_their_meta_file() {
        let name = safe_name(&format!("{}.jpg", "x".repeat(300)));
        assert!(name.len() <= MAX_FILENAME, "{}", name.len());
        assert!(name.ends_with(".jpg"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sanitises_names_like_kirby() {
        assert_eq!(safe_name("Blue Ümlaut File.PNG"), "blue-umlaut-file.png");
        assert_eq!(safe_name("Grüße Bild.JPG"), "grusse-bild.jpg");
        assert_eq!(safe_name("../../evil.jpg"), "evil.jpg");
        assert_eq!(safe_name("..\\win\\x.gif"), "x.gif");
        assert_eq!(safe_name(".htaccess"), ".htaccess");
        assert_eq!(safe_name("a.b_c@d.pdf"), "a.b_c@d.pdf");
    }

    #[test]
    fn refuses_what_kirby_refuses() {
        assert_eq!(
            check("evil.php", b"<?php"),
            Err(Rejection::ForbiddenType("PHP"))
        );
        assert_eq!(check("x.phtml", b""), Err(Rejection::ForbiddenType("PHP")));
        assert_eq!(
            check("page.html", b""),
            Err(Rejection::ForbiddenType("HTML"))
        );
        assert_eq!(
            check("notes.txt", b"x"),
            Err(Rejection::ForbiddenExtension("txt".into()))
        );
        assert_eq!(
            check(".htaccess", b"Deny from all"),
            Err(Rejection::ForbiddenType("Apache config"))
        );
        assert_eq!(
            check("noext", b"x"),
            Err(Rejection::MissingExtension("noext".into()))
        );
        assert_eq!(
            check("sneaky.jpg", b"<?php echo 1;"),
            Err(Rejection::ForbiddenType("PHP"))
        );
        assert_eq!(check("ok.jpg", b"\xff\xd8\xff"), Ok(()));
    }

    #[test]
    fn refuses_svg_scripts_with_their_line() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\">\n<script>alert(1)</script></svg>";
        assert_eq!(
            check("a.svg", svg),
            Err(Rejection::UnsafeSvg(
                "The \"script\" element (line 2) is not allowed".into()
            ))
        );
        let svg = b"<svg onload=\"x()\"></svg>";
        assert_eq!(
            check("a.svg", svg),
            Err(Rejection::UnsafeSvg(
                "The \"onload\" attribute (line 1) is not allowed: \
                 Not included in the global allowlist"
                    .into()
            ))
        );
        assert_eq!(check("a.svg", b"<svg><rect width=\"1\"/></svg>"), Ok(()));
    }

    #[test]
    fn sniffs_common_signatures() {
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_mime(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"hello"), None);
    }

    proptest! {
        #[test]
        fn safe_names_never_hold_path_parts(raw in "\\PC{0,40}") {
            let name = safe_name(&raw);
            prop_assert!(!name.contains('/') && !name.contains('\\'));
            if check(&name, raw.as_bytes()).is_ok() {
                prop_assert!(!name.starts_with('.'));
            }
        }
    }
}
