use std::path::Path;

use super::*;
use crate::store::scan::{ParseCache, scan};
use crate::store::test_files::write;

fn spec(code: &str, default: bool) -> LanguageSpec {
    LanguageSpec {
        code: code.into(),
        name: if code == "de" {
            "Deutsch".into()
        } else {
            code.into()
        },
        default,
        direction: "ltr".into(),
        locale: vec![("LC_ALL".into(), format!("{code}_DE"))],
        url: (code == "de").then(|| "/de".to_owned()),
        translations: PhpArray::default(),
    }
}

/// A single-language site with a page, a file with meta, a draft and a user.
fn small_site() -> (tempfile::TempDir, Roots) {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("content");
    write(&c.join("site.txt"), "Title: Site");
    write(&c.join("1_blog/blog.txt"), "Title: Blog");
    write(&c.join("1_blog/photo.jpg"), "jpg");
    write(&c.join("1_blog/photo.jpg.txt"), "Alt: a photo");
    write(&c.join("_drafts/wip/note.txt"), "Title: WIP");
    write(
        &dir.path().join("site/accounts/abcdefgh/index.php"),
        "<?php\n\nreturn ['email' => 'a@b.c'];",
    );
    write(
        &dir.path().join("site/accounts/abcdefgh/user.txt"),
        "Bio: hi",
    );
    let roots = Roots::for_site(dir.path());
    (dir, roots)
}

const MODEL_FILES: &[&str] = &[
    "content/site",
    "content/1_blog/blog",
    "content/1_blog/photo.jpg",
    "content/_drafts/wip/note",
    "site/accounts/abcdefgh/user",
];

fn assert_files(root: &Path, suffix: &str) {
    for name in MODEL_FILES {
        let path = root.join(format!("{name}{suffix}"));
        assert!(path.exists(), "missing {}", path.display());
    }
}

#[test]
fn writes_the_language_file_as_kirby_does() {
    let text = render_file(&spec("de", false), &PhpArray::default());
    assert_eq!(
        text,
        "<?php\n\nreturn [\n    'code' => 'de',\n    'default' => false,\n    'direction' => 'ltr',\n    'locale' => [\n        'LC_ALL' => 'de_DE'\n    ],\n    'name' => 'Deutsch',\n    'translations' => [\n\n    ],\n    'url' => '/de'\n];"
    );
}

#[test]
fn keeps_keys_it_does_not_own_and_sorts_them() {
    let existing = PhpArray(vec![
        (
            PhpKey::Str("slugs".into()),
            PhpValue::Array(PhpArray(vec![(
                PhpKey::Str("ä".into()),
                PhpValue::Str("ae".into()),
            )])),
        ),
        (PhpKey::Str("name".into()), PhpValue::Str("Old".into())),
    ]);
    let text = render_file(&spec("de", true), &existing);
    let parsed = php::parse_return_file(&text).unwrap();
    let keys: Vec<String> = parsed
        .as_array()
        .unwrap()
        .0
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "code",
            "default",
            "direction",
            "locale",
            "name",
            "slugs",
            "translations",
            "url"
        ]
    );
    assert_eq!(
        parsed.as_array().unwrap().get("name"),
        Some(&PhpValue::Str("Deutsch".into()))
    );
}

#[test]
fn reads_locales_from_json() {
    assert_eq!(
        locale_from_json(&Value::Null, "fr").unwrap(),
        [("LC_ALL".to_owned(), "fr".to_owned())]
    );
    let object = serde_json::json!({"6": "de_DE", "LC_TIME": "de_AT"});
    assert_eq!(locale_from_json(&object, "de").unwrap().len(), 2);
    assert!(matches!(
        locale_from_json(&serde_json::json!({"LC_NOPE": "x"}), "de"),
        Err(LanguageError::LocaleCategory(_))
    ));
    assert!(matches!(
        locale_from_json(&serde_json::json!(12), "de"),
        Err(LanguageError::LocaleType)
    ));
}

#[test]
fn the_first_language_renames_content_and_the_last_renames_it_back() {
    let (dir, roots) = small_site();
    let site = scan(&roots, false, &ParseCache::default());
    create(&site, &roots, &spec("en", true)).unwrap();
    assert_files(dir.path(), ".en.txt");
    assert!(!dir.path().join("content/site.txt").exists());
    assert!(language_path(&roots, "en").exists());
    assert!(!journal_path(&roots).exists());

    let site = scan(&roots, true, &ParseCache::default());
    assert_eq!(site.languages.len(), 1);
    assert_eq!(
        site.page("blog").unwrap().files[0].meta["en"].get("alt"),
        Some("a photo")
    );
    delete(&site, &roots, "en").unwrap();
    assert_files(dir.path(), ".txt");
    assert!(!language_path(&roots, "en").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("content/1_blog/photo.jpg.txt")).unwrap(),
        "Alt: a photo"
    );
}

#[test]
fn deleting_a_secondary_language_removes_its_translations_only() {
    let (dir, roots) = small_site();
    create(
        &scan(&roots, false, &ParseCache::default()),
        &roots,
        &spec("en", true),
    )
    .unwrap();
    create(
        &scan(&roots, true, &ParseCache::default()),
        &roots,
        &spec("de", false),
    )
    .unwrap();
    write(
        &dir.path().join("content/1_blog/blog.de.txt"),
        "Title: Blog DE",
    );
    let site = scan(&roots, true, &ParseCache::default());
    delete(&site, &roots, "de").unwrap();
    assert!(!dir.path().join("content/1_blog/blog.de.txt").exists());
    assert!(!language_path(&roots, "de").exists());
    assert_files(dir.path(), ".en.txt");
}

#[test]
fn a_failed_write_undoes_the_renames() {
    let (dir, roots) = small_site();
    // `site/languages` is a file, so the language file cannot be written.
    write(&dir.path().join("site/languages"), "in the way");
    let site = scan(&roots, false, &ParseCache::default());
    assert!(create(&site, &roots, &spec("en", true)).is_err());
    assert_files(dir.path(), ".txt");
    assert!(!dir.path().join("content/site.en.txt").exists());
    assert!(!journal_path(&roots).exists());
}

#[test]
fn recover_finishes_an_interrupted_change() {
    let (dir, roots) = small_site();
    let site = scan(&roots, false, &ParseCache::default());
    let mut steps = conversion(&site, &roots, None, Some("en"));
    steps.push(write_step(&roots, &spec("en", true)));
    crate::store::fsio::write_atomic_in_new_dir(
        &journal_path(&roots),
        &serde_json::to_vec(&steps).unwrap(),
    )
    .unwrap();
    // The crash came after the first two renames.
    steps.iter().take(2).for_each(|s| s.apply().unwrap());
    recover(&roots);
    assert_files(dir.path(), ".en.txt");
    assert!(language_path(&roots, "en").exists());
    assert!(!journal_path(&roots).exists());
}

#[test]
fn renames_never_overwrite() {
    let (dir, roots) = small_site();
    write(
        &dir.path().join("content/site.en.txt"),
        "Title: Already here",
    );
    let site = scan(&roots, false, &ParseCache::default());
    create(&site, &roots, &spec("en", true)).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("content/site.en.txt")).unwrap(),
        "Title: Already here"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("content/site.txt")).unwrap(),
        "Title: Site"
    );
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    Fields(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn a_secondary_translation_holds_only_translatable_fields() {
    let default = fields(&[
        ("title", "Home"),
        ("headline", "Welcome"),
        ("date", "2024-01-01"),
        ("uuid", "abc"),
    ]);
    let own = fields(&[("title", "Startseite"), ("headline", "")]);
    let changes = [("subheadline".to_owned(), Some("Ein Beispiel".to_owned()))];
    let written = translation_fields(Some(&default), Some(&own), &changes, &["date"], false);
    assert_eq!(
        written,
        fields(&[
            ("title", "Startseite"),
            ("headline", ""),
            ("subheadline", "Ein Beispiel")
        ])
    );
}

#[test]
fn the_default_translation_keeps_everything() {
    let own = fields(&[("title", "Home"), ("uuid", "abc"), ("old", "x")]);
    let changes = [
        ("headline".to_owned(), Some("Hello".to_owned())),
        ("old".to_owned(), None),
    ];
    let written = translation_fields(Some(&own), Some(&own), &changes, &["uuid"], true);
    assert_eq!(
        written,
        fields(&[("title", "Home"), ("uuid", "abc"), ("headline", "Hello")])
    );
}
