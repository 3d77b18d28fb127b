//! One test per rule family, on blueprints written inline and the built-in
//! English messages (no translation files).

use serde_json::{Map, Value, json};

use super::super::Blueprints;
use super::super::items::{Owner, PageFacts};
use super::super::values::tests::FakeSite;
use super::{Checker, errors_value, formats, text_values};
use crate::i18n::Translations;

fn fields(yaml: &str) -> Vec<super::Field> {
    let (blueprints, errors) = Blueprints::from_sources(&[("pages/test", yaml)]);
    assert!(errors.is_empty(), "{errors:?}");
    blueprints.page("test").fields.clone()
}

fn errors_with(site: &FakeSite, yaml: &str, pairs: &[(&str, &str)]) -> Value {
    let translations = Translations::default();
    let checker = Checker {
        translations: &translations,
        language: "en",
        refs: site,
    };
    let values = text_values(pairs.iter().copied());
    errors_value(checker.form_errors(&fields(yaml), &values))
}

fn errors(yaml: &str, pairs: &[(&str, &str)]) -> Value {
    errors_with(&FakeSite::new(Owner::Page("test".into())), yaml, pairs)
}

/// The rule → message map of one field, `{}` when it has no errors.
fn messages(yaml: &str, pairs: &[(&str, &str)], field: &str) -> Value {
    errors(yaml, pairs)
        .get(field)
        .map(|e| e["message"].clone())
        .unwrap_or_else(|| Value::Object(Map::new()))
}

#[test]
fn no_errors_is_an_empty_list() {
    assert_eq!(errors("fields:\n  text: true\n", &[]), json!([]));
}

#[test]
fn required_fields_must_not_be_empty() {
    let yaml = "fields:\n  headline:\n    type: text\n    label: Heading\n    required: true\n";
    let expected = json!({"headline": {"label": "Heading",
        "message": {"required": "Please enter something"}}});
    assert_eq!(errors(yaml, &[]), expected);
    assert_eq!(errors(yaml, &[("Headline", "  \n ")]), expected);
    assert_eq!(errors(yaml, &[("headline", "Hi")]), json!([]));
    // Without a label the name is shown with a capital.
    let bare = errors(
        "fields:\n  intro:\n    type: textarea\n    required: true\n",
        &[],
    );
    assert_eq!(bare["intro"]["label"], "Intro");
}

#[test]
fn empty_optional_fields_get_no_other_checks() {
    let yaml = "fields:\n  code:\n    type: text\n    minlength: 3\n    pattern: '[0-9]+'\n  mail: { type: email }\n";
    assert_eq!(errors(yaml, &[("code", ""), ("mail", "")]), json!([]));
}

#[test]
fn text_lengths_count_characters_and_fill_placeholders() {
    let yaml = "fields:\n  name:\n    type: text\n    minlength: 3\n    maxlength: 5\n";
    assert_eq!(
        messages(yaml, &[("name", "äö")], "name"),
        json!({"minlength": "Please enter a longer value. (min. 3 characters)"})
    );
    assert_eq!(
        messages(yaml, &[("name", "äöüäöü")], "name"),
        json!({"maxlength": "Please enter a shorter value. (max. 5 characters)"})
    );
    assert_eq!(errors(yaml, &[("name", " äöü ")]), json!([]));
}

#[test]
fn writer_lengths_ignore_markup() {
    let yaml = "fields:\n  text:\n    type: writer\n    maxlength: 4\n";
    assert_eq!(
        errors(yaml, &[("text", "<p><strong>abcd</strong></p>")]),
        json!([])
    );
    assert_eq!(
        messages(yaml, &[("text", "<p>abcde</p>")], "text")["maxlength"],
        "Please enter a shorter value. (max. 4 characters)"
    );
}

#[test]
fn patterns_match_anywhere_ignoring_case() {
    let yaml = "fields:\n  code:\n    type: text\n    pattern: '^[a-z]{2}-[0-9]+$'\n";
    assert_eq!(errors(yaml, &[("code", "AB-12")]), json!([]));
    assert_eq!(
        messages(yaml, &[("code", "AB12")], "code"),
        json!({"pattern": "The value does not match the expected pattern"})
    );
    // A pattern the regex engine cannot compile is not checked.
    let odd = "fields:\n  code:\n    type: text\n    pattern: '(?<=a)b'\n";
    assert_eq!(errors(odd, &[("code", "xyz")]), json!([]));
}

#[test]
fn emails_and_urls_have_their_formats() {
    let yaml = "fields:\n  mail: { type: email }\n  site: { type: url }\n";
    let bad = errors(yaml, &[("mail", "ada@"), ("site", "not a url")]);
    assert_eq!(
        bad["mail"]["message"],
        json!({"email": "Please enter a valid email address"})
    );
    assert_eq!(
        bad["site"]["message"],
        json!({"url": "Please enter a valid URL"})
    );
    let good = [
        ("mail", "ada@example.com"),
        ("site", "https://example.com/a?b=c"),
    ];
    assert_eq!(errors(yaml, &good), json!([]));
    for url in [
        "example.com",
        "http://localhost:8080/x",
        "ftp://10.1.2.3",
        "https://bücher.de",
    ] {
        assert!(formats::is_url(url), "{url}");
    }
    for url in ["example", "http://", "https://exa mple.com", "mailto:x@y.z"] {
        assert!(!formats::is_url(url), "{url}");
    }
    for mail in ["a@b", "a b@c.de", "@c.de", "a@.de", "a@c.d-"] {
        assert!(!formats::is_email(mail), "{mail}");
    }
}

#[test]
fn numbers_respect_min_and_max() {
    let yaml = "fields:\n  count:\n    type: number\n    min: 2\n    max: 4.5\n";
    assert_eq!(
        messages(yaml, &[("count", "1")], "count"),
        json!({"min": "Please enter a value equal to or greater than 2"})
    );
    assert_eq!(
        messages(yaml, &[("count", "4,6")], "count"),
        json!({"max": "Please enter a value equal to or lower than 4.5"})
    );
    assert_eq!(
        messages(yaml, &[("count", "many")], "count"),
        json!({"num": "Please enter a valid number"})
    );
    assert_eq!(errors(yaml, &[("count", "3")]), json!([]));
}

#[test]
fn entries_are_counted_and_min_implies_required() {
    let yaml = "fields:\n  tags:\n    type: tags\n    min: 2\n    max: 3\n";
    assert_eq!(
        messages(yaml, &[], "tags"),
        json!({"required": "Please enter something"})
    );
    assert_eq!(
        messages(yaml, &[("tags", "a")], "tags"),
        json!({"min": "Please enter a value equal to or greater than 2"})
    );
    assert_eq!(
        messages(yaml, &[("tags", "a, b, c, d")], "tags"),
        json!({"max": "Please enter a value equal to or lower than 3"})
    );
    assert_eq!(errors(yaml, &[("tags", "a, , b")]), json!([]));
}

#[test]
fn picker_fields_count_only_existing_references() {
    let mut site = FakeSite::new(Owner::Page("test".into()));
    site.pages.push(PageFacts {
        id: "notes/one".into(),
        title: "One".into(),
        uuid: Some("page://one".into()),
        url: String::new(),
        has_children: false,
        icon: None,
        image: None,
    });
    let yaml = "fields:\n  related:\n    type: pages\n    required: true\n    max: 1\n";
    let gone = errors_with(&site, yaml, &[("related", "- page://gone")]);
    assert_eq!(
        gone["related"]["message"],
        json!({"required": "Please enter something"})
    );
    let two = errors_with(&site, yaml, &[("related", "- page://one\n- notes/one")]);
    assert_eq!(
        two["related"]["message"]["max"],
        "Please enter a value equal to or lower than 1"
    );
    assert_eq!(
        errors_with(&site, yaml, &[("related", "- page://one")]),
        json!([])
    );
}

#[test]
fn structure_rows_are_counted_and_checked() {
    let yaml = "fields:\n  links:\n    type: structure\n    max: 2\n    fields:\n      url:\n        type: url\n        label: Address\n        required: true\n";
    let bad_row = "- url: https://a.example\n- url: ''\n";
    assert_eq!(
        messages(yaml, &[("links", bad_row)], "links"),
        json!({"structure": "There's an error on the \"Address\" field in row 2"})
    );
    let three = "- url: a.de\n- url: b.de\n- url: c.de\n";
    assert_eq!(
        messages(yaml, &[("links", three)], "links"),
        json!({"max": "Please enter a value equal to or lower than 2"})
    );
    assert_eq!(errors(yaml, &[("links", "- url: a.de\n")]), json!([]));
}

#[test]
fn blocks_have_their_own_count_messages() {
    let yaml = "fields:\n  text:\n    type: blocks\n    max: 1\n";
    let two = r#"[{"type":"text","content":{"text":"a"}},{"type":"text","content":{"text":"b"}}]"#;
    assert_eq!(
        messages(yaml, &[("text", two)], "text"),
        json!({"blocks": "You must not add more than one block"})
    );
}

#[test]
fn options_must_be_offered() {
    let yaml = "fields:\n  size:\n    type: select\n    options:\n      s: Small\n      m: Medium\n  colors:\n    type: checkboxes\n    options: [red, green]\n  from:\n    type: select\n    options: query\n";
    let bad = errors(
        yaml,
        &[("size", "xl"), ("colors", "red, blue"), ("from", "x")],
    );
    assert_eq!(
        bad["size"]["message"],
        json!({"option": "Please select a valid option"})
    );
    assert_eq!(
        bad["colors"]["message"],
        json!({"options": "Please select a valid option"})
    );
    assert!(bad.get("from").is_none());
    assert_eq!(
        errors(yaml, &[("size", "m"), ("colors", "green")]),
        json!([])
    );
    let listed =
        "fields:\n  level:\n    type: radio\n    options:\n      - value: 1\n        text: One\n";
    assert_eq!(errors(listed, &[("level", "1")]), json!([]));
}

#[test]
fn dates_and_times_are_parsed_and_bounded() {
    let yaml = "fields:\n  day:\n    type: date\n    min: 2024-01-01\n    max: 2024-12-31\n  start:\n    type: date\n    time: true\n    min: 2024-01-01 10:00\n  at:\n    type: time\n    max: '18:00'\n";
    let bad = errors(
        yaml,
        &[
            ("day", "2025-02-01"),
            ("start", "2023-12-31 09:00:00"),
            ("at", "19:30"),
        ],
    );
    assert_eq!(
        bad["day"]["message"],
        json!({"minMax": "Please enter a date between 01.01.2024 and 31.12.2024"})
    );
    assert_eq!(
        bad["start"]["message"],
        json!({"minMax": "Please enter a date after 01.01.2024 10:00"})
    );
    assert_eq!(
        bad["at"]["message"],
        json!({"minMax": "Please enter a time before 18:00"})
    );
    let invalid = errors(yaml, &[("day", "soon"), ("at", "25:00")]);
    assert_eq!(
        invalid["day"]["message"],
        json!({"date": "Please enter a valid date"})
    );
    assert_eq!(
        invalid["at"]["message"],
        json!({"time": "Please enter a valid time"})
    );
    assert_eq!(
        errors(yaml, &[("day", "2024-06-01"), ("at", "08:15")]),
        json!([])
    );
}

#[test]
fn a_required_toggle_must_be_on() {
    let yaml = "fields:\n  consent:\n    type: toggle\n    required: true\n";
    let expected = json!({"required": "The field is required"});
    assert_eq!(messages(yaml, &[], "consent"), expected);
    assert_eq!(messages(yaml, &[("consent", "false")], "consent"), expected);
    assert_eq!(errors(yaml, &[("consent", "true")]), json!([]));
}

#[test]
fn when_conditions_and_disabled_fields_skip_validation() {
    let yaml = "fields:\n  kind:\n    type: select\n    options: [news, event]\n  venue:\n    type: text\n    required: true\n    when:\n      kind: event\n  locked:\n    type: text\n    required: true\n    disabled: true\n  extras:\n    type: group\n    when:\n      featured: true\n    fields:\n      teaser:\n        type: text\n        required: true\n  featured: { type: toggle }\n";
    assert_eq!(errors(yaml, &[("kind", "news")]), json!([]));
    let event = errors(yaml, &[("kind", "event"), ("featured", "true")]);
    let names: Vec<&String> = event
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(names, ["venue", "teaser"]);
}

#[test]
fn labels_follow_the_panel_language() {
    let yaml = "fields:\n  title2:\n    type: text\n    required: true\n    label:\n      en: Subtitle\n      de: Untertitel\n";
    let translations = Translations::default();
    let site = FakeSite::new(Owner::Page("test".into()));
    let checker = Checker {
        translations: &translations,
        language: "de",
        refs: &site,
    };
    let found = checker.form_errors(&fields(yaml), &Map::new());
    assert_eq!(found["title2"]["label"], "Untertitel");
}

#[test]
fn odd_props_and_values_do_not_panic() {
    let yaml = "fields:\n  a:\n    type: text\n    minlength: [1]\n    pattern: '('\n  b:\n    type: number\n    min: x\n  c:\n    type: structure\n  d:\n    type: date\n    min: yesterday\n  e:\n    type: select\n    options: 5\n";
    let values = [
        ("a", "x"),
        ("b", "1e400"),
        ("c", "- [1, 2]\n- 3"),
        ("d", "2024-99-99"),
        ("e", "q"),
    ];
    let found = errors(yaml, &values);
    assert_eq!(
        found["b"]["message"],
        json!({"num": "Please enter a valid number"})
    );
    assert_eq!(
        found["d"]["message"],
        json!({"date": "Please enter a valid date"})
    );
    assert!(found.get("a").is_none() && found.get("c").is_none() && found.get("e").is_none());
}
