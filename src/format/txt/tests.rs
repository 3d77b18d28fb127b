use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The conformance suite's fixture sites, read-only, next to the checkout.
/// The project's tests must stand alone, so tests that read it skip (with a
/// notice) where it is missing.
pub(crate) fn conformance_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no conformance suite at `{}`", dir.display());
        None
    }
}

fn txt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            txt_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "txt") {
            out.push(path);
        }
    }
}

fn fixture_txt_files() -> Vec<PathBuf> {
    let Some(root) = conformance_dir() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for site in ["site", "site-multilang"] {
        txt_files(&root.join(site).join("content"), &mut files);
    }
    files.sort();
    assert!(
        files.is_empty() || files.len() > 100,
        "expected the fixture content files, found {}",
        files.len()
    );
    files
}

#[test]
fn writes_the_live_example_from_the_spec() {
    let fields = pairs(&[
        ("title", "About"),
        ("text", "x: y\n----\nz"),
        ("uuid", "5OQC4JA8sw7o3JON"),
    ]);
    let expected =
        "Title: About\n\n----\n\nText:\n\nx: y\n\\----\nz\n\n----\n\nUuid: 5OQC4JA8sw7o3JON";
    assert_eq!(write(&fields), expected);
    assert_eq!(parse(expected).0, fields);
}

#[test]
fn storage_keys_follow_the_live_examples() {
    assert_eq!(storage_key("title"), "Title");
    assert_eq!(storage_key("customField"), "Customfield");
    assert_eq!(storage_key("Weird Key"), "Weird-key");
    assert_eq!(storage_key("text_field"), "Text-field");
    assert_eq!(storage_key("weird_key"), "Weird-key");
}

#[test]
fn reading_normalises_keys() {
    assert_eq!(normalise_key(" Weird-key "), "weird_key");
    assert_eq!(normalise_key("Two Words"), "two_words");
    // Like PHP's `strtolower`, only ASCII letters are lowered.
    assert_eq!(normalise_key("ÜBER"), "Über");
    let fields = parse("Weird-key: a");
    assert_eq!(fields.get("weird_key"), Some("a"));
    assert_eq!(fields.get("Weird-Key"), Some("a"));
}

#[test]
fn empty_values_keep_the_trailing_space_and_no_file_ends_in_newline() {
    assert_eq!(
        write(&pairs(&[("text", ""), ("a", "  b  ")])),
        "Text: \n\n----\n\nA: b"
    );
}

#[test]
fn empty_keys_are_skipped_and_slug_twins_collapse() {
    let fields = pairs(&[
        ("", "x"),
        ("日本", "y"),
        ("text_field", "1"),
        ("b", "2"),
        ("Text-Field", "3"),
    ]);
    assert_eq!(write(&fields), "Text-field: 3\n\n----\n\nB: 2");
}

#[test]
fn only_lines_starting_with_dashes_are_escaped() {
    assert_eq!(
        write(&pairs(&[("a", "x\n  ----\n----y")])),
        "A:\n\nx\n  ----\n\\----y"
    );
    assert_eq!(write(&pairs(&[("a", "----")])), "A: \\----");
}

#[test]
fn a_trimmed_multiline_value_starting_with_dashes_stays_readable() {
    let text = write(&pairs(&[("a", "  ----\nz"), ("b", "c")]));
    assert_eq!(text, "A:\n\n\\----\nz\n\n----\n\nB: c");
    assert_eq!(parse(&text).get("a"), Some("----\nz"));
}

#[test]
fn crlf_inside_values_is_kept_and_crlf_files_are_read() {
    assert_eq!(write(&pairs(&[("a", "x\r\ny")])), "A:\n\nx\r\ny");
    let fields = parse("Title: A\r\n\r\n----\r\n\r\nText: b\r\nc\r\n");
    assert_eq!(fields.0, pairs(&[("title", "A"), ("text", "b\r\nc")]));
}

#[test]
fn reading_follows_the_split_rule() {
    assert_eq!(parse(""), Fields::default());
    assert_eq!(parse("\u{feff}Title: B").get("title"), Some("B"));
    // Dashes need not be alone on their line, and chunks without a key are dropped.
    let fields = parse("A: 1\n---- junk: 2\n----\n: no key\n----\nno colon\n----\nA: 3");
    assert_eq!(fields.0, pairs(&[("a", "3"), ("junk", "2")]));
}

#[test]
fn later_duplicates_overwrite_in_place() {
    let fields = parse("A: 1\n----\nB: 2\n----\na: 3");
    assert_eq!(fields.0, pairs(&[("a", "3"), ("b", "2")]));
}

#[test]
fn fields_set_and_remove_use_normalised_keys() {
    let mut fields = parse("Title: A\n----\nText: b");
    fields.set("TITLE", "Z".into());
    fields.set("New-Key", "n".into());
    fields.remove("text");
    assert_eq!(fields.0, pairs(&[("title", "Z"), ("new_key", "n")]));
    assert_eq!(fields.iter().count(), 2);
}

#[test]
fn invalid_utf8_names_the_line() {
    assert_eq!(
        parse_bytes(b"A: 1\nB: \xff"),
        Err(TxtError::InvalidUtf8 { line: 2 })
    );
    assert_eq!(parse_bytes(b"A: 1").map(|f| f.len()), Ok(1));
}

#[test]
fn every_fixture_file_parses() {
    for path in fixture_txt_files() {
        let bytes = std::fs::read(&path).unwrap();
        let fields = parse_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let empty = bytes.iter().all(u8::is_ascii_whitespace);
        assert!(
            empty || !fields.is_empty(),
            "{} has no fields",
            path.display()
        );
    }
}

/// A file is canonical when Kirby's writer would produce it from its own fields;
/// every fixture file but the few listed is, and those round-trip byte for byte.
#[test]
fn canonical_fixture_files_round_trip_byte_for_byte() {
    let Some(root) = conformance_dir() else {
        return;
    };
    let mut not_canonical = Vec::new();
    for path in fixture_txt_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        if write(&parse(&text).0) != text {
            let relative = path.strip_prefix(&root).unwrap_or(&path);
            not_canonical.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    not_canonical.sort();
    assert_eq!(not_canonical, NOT_CANONICAL);
}

/// Hand-made fixture files: `site.txt` ends in a newline, and the universe note's image meta
/// file writes empty values as `Caption:` without the space and ends in a newline.
const NOT_CANONICAL: &[&str] = &[
    "site-multilang/content/2_notes/20231124_exploring-the-universe/dark-forest.jpg.en.txt",
    "site-multilang/content/site.en.txt",
    "site/content/2_notes/20231124_exploring-the-universe/dark-forest.jpg.txt",
    "site/content/site.txt",
];

/// Keys Kirby reads back as themselves, and values without the format's two lossy spots.
fn fields_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    let value = prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("----".to_string()),
                Just("\r\n".to_string()),
                Just("\n".to_string()),
                Just("  ".to_string()),
                "[a-z: ]{0,5}",
            ],
            0..8
        )
        .prop_map(|parts| parts.concat()),
    ];
    let value = value.prop_filter(
        "a value line starting with `\\----` reads back as `----`",
        |v| {
            !trim_php(v)
                .split('\n')
                .any(|line| line.starts_with("\\----"))
        },
    );
    proptest::collection::vec(("[a-z][a-z0-9]{0,10}", value), 0..6).prop_map(|mut fields| {
        let mut seen = std::collections::HashSet::new();
        fields.retain(|(k, _)| seen.insert(k.clone()));
        fields
    })
}

proptest! {
    /// Reading what was written gives the same keys, in order, and the values
    /// PHP-trimmed (the format does not keep surrounding whitespace).
    #[test]
    fn parse_of_write_gives_the_trimmed_fields(fields in fields_strategy()) {
        let expected: Vec<(String, String)> =
            fields.iter().map(|(k, v)| (k.clone(), trim_php(v).to_string())).collect();
        prop_assert_eq!(parse(&write(&fields)).0, expected);
    }

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = parse(&text);
    }
}
