//! Tests of the form values, one per field kind, with a small fake site.

use serde_json::{Value, json};

use super::super::items::{FileFacts, Owner, PageFacts, UserFacts};
use super::super::{Blueprint, Blueprints};
use super::{ValueContext, default_values, form_values};

/// A fake site index: finds files, pages and users by uuid, id or filename.
pub(crate) struct FakeSite {
    pub model: Owner,
    pub files: Vec<FileFacts>,
    pub pages: Vec<PageFacts>,
    pub users: Vec<UserFacts>,
}

impl FakeSite {
    pub(crate) fn new(model: Owner) -> FakeSite {
        FakeSite {
            model,
            files: Vec::new(),
            pages: Vec::new(),
            users: Vec::new(),
        }
    }
}

impl ValueContext for FakeSite {
    fn now(&self) -> String {
        "2026-01-02 03:04:05".to_string()
    }

    fn model(&self) -> Owner {
        self.model.clone()
    }

    fn file(&self, reference: &str) -> Option<FileFacts> {
        let found = self.files.iter().find(|file| {
            file.uuid.as_deref() == Some(reference)
                || file.id == reference
                || (file.filename == reference && file.owner == self.model)
        });
        found.cloned()
    }

    fn page(&self, reference: &str) -> Option<PageFacts> {
        self.pages
            .iter()
            .find(|page| page.uuid.as_deref() == Some(reference) || page.id == reference)
            .cloned()
    }

    fn user(&self, reference: &str) -> Option<UserFacts> {
        let bare = reference.strip_prefix("user://").unwrap_or(reference);
        self.users
            .iter()
            .find(|user| user.id == bare || user.email == bare)
            .cloned()
    }
}

fn blueprint(yaml: &str) -> Blueprint {
    let (blueprints, errors) = Blueprints::from_sources(&[("pages/test", yaml)]);
    assert!(errors.is_empty(), "{errors:?}");
    blueprints.page("test").clone()
}

fn stored(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn values(yaml: &str, pairs: &[(&str, &str)]) -> Value {
    form_values(
        &blueprint(yaml),
        &stored(pairs),
        &FakeSite::new(Owner::Page("test".into())),
    )
}

#[test]
fn nothing_at_all_is_an_empty_list() {
    assert_eq!(values("title: T\n", &[]), json!([]));
}

#[test]
fn blueprint_fields_first_then_stored_keys_in_file_order() {
    let yaml = "fields:\n  text: true\n  gap: true\n  headline: { type: text }\n  odd: { type: plugin-thing }\n";
    let got = values(
        yaml,
        &[
            ("title", "T"),
            ("odd", "x"),
            ("text", "hello"),
            ("uuid", "U"),
        ],
    );
    assert_eq!(
        got,
        json!({"text": "hello", "headline": "", "title": "T", "odd": "x", "uuid": "U"})
    );
    let keys: Vec<String> = got
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["text", "headline", "title", "odd", "uuid"]);
}

#[test]
fn text_like_fields_are_strings() {
    let yaml = "fields:\n  a: { type: textarea }\n  b: { type: email }\n  c: { type: select }\n  d: { type: text, converter: upper }\n  e: { type: url }\n";
    let got = values(yaml, &[("a", "x\ny"), ("d", "loud")]);
    assert_eq!(
        got,
        json!({"a": "x\ny", "b": "", "c": "", "d": "LOUD", "e": ""})
    );
}

#[test]
fn tags_split_and_trim() {
    let yaml =
        "fields:\n  tags: true\n  other: { type: tags, separator: ';' }\n  empty: { type: tags }\n";
    let got = values(yaml, &[("tags", "test, api ,, x"), ("other", "a; b")]);
    assert_eq!(
        got,
        json!({"tags": ["test", "api", "x"], "other": ["a", "b"], "empty": []})
    );
}

#[test]
fn toggles_numbers_dates_and_times() {
    let yaml = "fields:\n  on: { type: toggle }\n  off: { type: toggle }\n  n: { type: number }\n  blank: { type: number }\n  \
                d: { type: date, time: true }\n  day: { type: date }\n  bad: { type: date }\n  t: { type: time }\n";
    let pairs = [
        ("on", "true"),
        ("off", "false"),
        ("n", "1,5"),
        ("blank", ""),
        ("d", "2024-02-03"),
        ("day", "2023-04-21 10:00:00"),
        ("bad", "soon"),
        ("t", "9:30"),
    ];
    let got = values(yaml, &pairs);
    assert_eq!(
        got,
        json!({"on": true, "off": false, "n": 1.5, "blank": "", "d": "2024-02-03 00:00:00",
            "day": "2023-04-21", "bad": "", "t": "09:30:00"})
    );
}

#[test]
fn writer_writes_non_breaking_spaces_as_entities() {
    let got = values(
        "fields:\n  w: { type: writer }\n",
        &[("w", "<p>a\u{a0}b</p>")],
    );
    assert_eq!(got, json!({"w": "<p>a&nbsp;b</p>"}));
}

#[test]
fn structure_rows_go_through_their_fields() {
    let yaml = "fields:\n  social:\n    type: structure\n    fields:\n      platform: { type: text }\n      url: { type: url }\n      live: { type: toggle }\n";
    let stored_rows =
        "-\n  url: https://x\n  Platform: X\n  extra: 5\n- not a row\n-\n  live: 'true'\n";
    let got = values(yaml, &[("social", stored_rows)]);
    assert_eq!(
        got,
        json!({"social": [
            {"platform": "X", "url": "https://x", "live": false, "extra": 5},
            {"platform": "", "url": "", "live": true}
        ]})
    );
    assert_eq!(values(yaml, &[("social", "")]), json!({"social": []}));
    assert_eq!(
        values(yaml, &[("social", "::: not yaml [")]),
        json!({"social": []})
    );
}

fn site_with_files() -> FakeSite {
    let mut site = FakeSite::new(Owner::Page("about".into()));
    site.files.push(FileFacts {
        id: "about/team.jpg".into(),
        filename: "team.jpg".into(),
        owner: Owner::Page("about".into()),
        uuid: Some("file://T1".into()),
        url: "http://o/media/pages/about/h-1/team.jpg".into(),
        kind: "image".into(),
        extension: "jpg".into(),
        dimensions: Some((4, 3)),
    });
    site.pages.push(PageFacts {
        id: "notes/a".into(),
        title: "A".into(),
        uuid: Some("page://P1".into()),
        url: "http://o/notes/a".into(),
        has_children: true,
        icon: Some("📖".into()),
        image: None,
    });
    site.users.push(UserFacts {
        id: "U1".into(),
        email: "e@x".into(),
        username: "Eddie".into(),
        avatar: None,
    });
    site
}

#[test]
fn files_pages_and_users_become_items_and_unknown_ones_vanish() {
    let bp = blueprint(
        "fields:\n  cover: { type: files }\n  related: { type: pages }\n  author: { type: users }\n  none: { type: files }\n",
    );
    let pairs = stored(&[
        ("cover", "- file://T1\n- file://gone"),
        ("related", "- page://P1"),
        ("author", "- user://U1"),
        ("none", ""),
    ]);
    let got = form_values(&bp, &pairs, &site_with_files());
    assert_eq!(got["cover"].as_array().map(Vec::len), Some(1));
    assert_eq!(got["cover"][0]["id"], "team.jpg");
    assert_eq!(got["related"][0]["hasChildren"], true);
    assert_eq!(got["related"][0]["image"]["icon"], "📖");
    assert_eq!(got["author"][0]["email"], "e@x");
    assert_eq!(got["none"], json!([]));
    let bare = form_values(&bp, &stored(&[("cover", "team.jpg")]), &site_with_files());
    assert_eq!(bare["cover"][0]["filename"], "team.jpg");
}

#[test]
fn blocks_render_content_through_their_fieldset() {
    let bp = blueprint("fields:\n  text: { type: blocks }\n");
    let stored_blocks = json!([
        {"content": {"location": "kirby", "image": ["file://T1"], "crop": "true", "ratio": "21/9"},
         "id": "b1", "isHidden": false, "type": "image"},
        {"content": {"text": "<p>x\u{a0}</p>"}, "id": "b2", "isHidden": true, "type": "text"},
        {"content": {"anything": 1}, "id": "b3", "type": "mystery"},
        "not a block"
    ]);
    let got = form_values(
        &bp,
        &stored(&[("text", &stored_blocks.to_string())]),
        &site_with_files(),
    );
    let first = &got["text"][0];
    let keys: Vec<String> = first["content"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "location", "image", "src", "alt", "caption", "link", "ratio", "crop"
        ]
    );
    assert_eq!(first["content"]["crop"], true);
    assert_eq!(first["content"]["image"][0]["image"]["back"], "black");
    assert_eq!(
        got["text"][1],
        json!({"content": {"text": "<p>x&nbsp;</p>"}, "id": "b2", "isHidden": true, "type": "text"})
    );
    assert_eq!(got["text"][2], stored_blocks[2]);
    assert_eq!(got["text"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        values("fields:\n  text: { type: blocks }\n", &[("text", "")]),
        json!({"text": []})
    );
}

#[test]
fn layouts_keep_rows_and_render_column_blocks() {
    let bp = blueprint("fields:\n  layout: { type: layout }\n");
    let stored_layout = json!([{"attrs": [], "columns": [{"blocks": [
        {"content": {"level": "h2", "text": "Hi"}, "id": "h", "isHidden": false, "type": "heading"}],
        "id": "c", "width": "1/1"}], "id": "r"}]);
    let got = form_values(
        &bp,
        &stored(&[("layout", &stored_layout.to_string())]),
        &site_with_files(),
    );
    assert_eq!(got["layout"], stored_layout);
}

#[test]
fn layout_settings_render_attrs() {
    let bp = blueprint(
        "fields:\n  layout:\n    type: layout\n    settings:\n      fields:\n        dark: { type: toggle }\n",
    );
    let stored_layout = json!([{"attrs": {"dark": "true"}, "columns": [], "id": "r"}]);
    let got = form_values(
        &bp,
        &stored(&[("layout", &stored_layout.to_string())]),
        &site_with_files(),
    );
    assert_eq!(got["layout"][0]["attrs"], json!({"dark": true}));
}

#[test]
fn defaults_for_new_models() {
    let yaml = "fields:\n  date: { type: date, time: true, default: now }\n  day: { type: date, default: now }\n  \
                tags: { type: tags, default: [a, b] }\n  text: { type: text, default: Hello }\n  plain: { type: text }\n  gap: true\n";
    let got = default_values(&blueprint(yaml), &FakeSite::new(Owner::Site));
    let expected = stored(&[
        ("date", "2026-01-02 03:04:05"),
        ("day", "2026-01-02"),
        ("tags", "a, b"),
        ("text", "Hello"),
        ("plain", ""),
    ]);
    assert_eq!(got, expected);
}

proptest::proptest! {
    #[test]
    fn form_values_never_panic(value in ".{0,200}", kind in "(text|tags|structure|blocks|layout|files|date|number|toggle|object|time)") {
        let yaml = format!("fields:\n  f: {{ type: {kind} }}\n");
        let _ = values(&yaml, &[("f", &value)]);
    }

    #[test]
    fn loading_any_yaml_never_panics(text in "[ -~\n]{0,300}") {
        let _ = Blueprints::from_sources(&[("pages/x", text.as_str())]);
    }
}
