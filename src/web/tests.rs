//! Rendering tests on templates written into a temp folder.

use std::fs;

use proptest::prelude::*;

use super::filters::paragraphs;
use super::{Link, PageData, PageView, RenderError, SiteData, Templates};

fn templates(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
    let dir = tempfile::tempdir().unwrap();
    for (name, source) in files {
        fs::write(dir.path().join(name), source).unwrap();
    }
    let templates = Templates::new(dir.path());
    (dir, templates)
}

fn view() -> PageView {
    let mut page = PageData {
        id: "notes/first".into(),
        title: "First <note>".into(),
        slug: "first".into(),
        url: "http://127.0.0.1/notes/first".into(),
        template: "note".into(),
        status: "listed".into(),
        ..PageData::default()
    };
    page.content.insert("text".into(), "Hello & welcome".into());
    let site = SiteData {
        title: "Demo".into(),
        url: "http://127.0.0.1".into(),
        children: vec![Link {
            title: "Notes".into(),
            url: "http://127.0.0.1/notes".into(),
        }],
        ..SiteData::default()
    };
    PageView {
        page,
        site,
        csrf: "a1b2c3".into(),
    }
}

#[test]
fn renders_page_site_and_content_fields() {
    let source = "{{ site.title }}|{{ page.id }}|{{ page.status }}|{{ page.content.text }}";
    let (_dir, templates) = templates(&[("note.html", source)]);

    let html = templates.render("note", view()).unwrap();

    // minijinja's HTML escaping also turns `/` into an entity; browsers read it back.
    assert_eq!(html, "Demo|notes&#x2f;first|listed|Hello &amp; welcome");
}

#[test]
fn escapes_html_in_values() {
    let (_dir, templates) = templates(&[("note.html", "<h1>{{ page.title }}</h1>")]);

    let html = templates.render("note", view()).unwrap();

    assert_eq!(html, "<h1>First &lt;note&gt;</h1>");
}

#[test]
fn csrf_function_returns_the_token() {
    let (_dir, templates) = templates(&[("note.html", r#"const csrf = "{{ csrf() }}";"#)]);

    let html = templates.render("note", view()).unwrap();

    assert_eq!(html, r#"const csrf = "a1b2c3";"#);
}

#[test]
fn each_render_gets_its_own_token() {
    let (_dir, templates) = templates(&[("note.html", "{{ csrf() }}")]);
    let other = PageView {
        csrf: "ffff".into(),
        ..view()
    };

    assert_eq!(templates.render("note", view()).unwrap(), "a1b2c3");
    assert_eq!(templates.render("note", other).unwrap(), "ffff");
}

#[test]
fn site_children_can_be_listed() {
    let source = "{% for link in site.children %}<a href=\"{{ link.url }}\">{{ link.title }}</a>{% endfor %}";
    let (_dir, templates) = templates(&[("note.html", source)]);

    let html = templates.render("note", view()).unwrap();

    assert_eq!(
        html,
        r#"<a href="http:&#x2f;&#x2f;127.0.0.1&#x2f;notes">Notes</a>"#
    );
}

#[test]
fn missing_template_falls_back_to_default() {
    let (_dir, templates) = templates(&[("default.html", "default: {{ page.title }}")]);

    let html = templates.render("note", view()).unwrap();

    assert_eq!(html, "default: First &lt;note&gt;");
}

#[test]
fn no_template_and_no_default_is_no_template() {
    let (_dir, templates) = templates(&[("other.html", "x")]);

    let err = templates.render("note", view()).unwrap_err();

    assert!(
        matches!(err, RenderError::NoTemplate(ref name) if name == "note"),
        "{err:?}"
    );
}

#[test]
fn missing_folder_is_no_template() {
    let templates = Templates::new("/nonexistent/folio/templates");

    let err = templates.render("default", view()).unwrap_err();

    assert!(matches!(err, RenderError::NoTemplate(_)), "{err:?}");
}

#[test]
fn names_that_leave_the_folder_are_not_loaded() {
    let outer = tempfile::tempdir().unwrap();
    fs::write(outer.path().join("secret.html"), "secret").unwrap();
    let inner = outer.path().join("templates");
    fs::create_dir(&inner).unwrap();
    fs::write(inner.join("default.html"), "default").unwrap();
    let templates = Templates::new(&inner);

    for name in ["../secret", "/etc/passwd", ".hidden", "a\\b", ""] {
        assert_eq!(templates.render(name, view()).unwrap(), "default", "{name}");
    }
}

#[test]
fn includes_cannot_leave_the_folder() {
    let outer = tempfile::tempdir().unwrap();
    fs::write(outer.path().join("secret.html"), "secret").unwrap();
    let inner = outer.path().join("templates");
    fs::create_dir(&inner).unwrap();
    fs::write(
        inner.join("default.html"),
        r#"{% include "../secret.html" %}"#,
    )
    .unwrap();
    let templates = Templates::new(&inner);

    let err = templates.render("default", view()).unwrap_err();

    assert!(matches!(err, RenderError::Template { .. }), "{err:?}");
}

#[test]
fn templates_can_extend_a_layout() {
    let layout = "<main>{% block body %}{% endblock %}</main>";
    let page = r#"{% extends "layout.html" %}{% block body %}{{ page.slug }}{% endblock %}"#;
    let (_dir, templates) = templates(&[("layout.html", layout), ("note.html", page)]);

    assert_eq!(
        templates.render("note", view()).unwrap(),
        "<main>first</main>"
    );
}

#[test]
fn edited_template_shows_on_next_render() {
    let (dir, templates) = templates(&[("note.html", "before")]);
    assert_eq!(templates.render("note", view()).unwrap(), "before");

    fs::write(dir.path().join("note.html"), "after").unwrap();

    assert_eq!(templates.render("note", view()).unwrap(), "after");
}

#[test]
fn syntax_error_is_a_template_error() {
    let (_dir, templates) = templates(&[("note.html", "{% if %}")]);

    let err = templates.render("note", view()).unwrap_err();

    assert!(matches!(err, RenderError::Template { ref name, .. } if name == "note.html"));
}

#[test]
fn undefined_fields_render_empty() {
    let (_dir, templates) = templates(&[("note.html", "[{{ page.content.nothing }}]")]);

    assert_eq!(templates.render("note", view()).unwrap(), "[]");
}

#[test]
fn a_missing_field_through_paragraphs_renders_empty() {
    let (_dir, templates) =
        templates(&[("note.html", "[{{ page.content.nothing | paragraphs }}]")]);

    assert_eq!(templates.render("note", view()).unwrap(), "[]");
}

#[test]
fn paragraphs_splits_blocks_and_lines() {
    let html = paragraphs(Some("One\r\nline two\n\n\n<b>Three</b>"));

    assert_eq!(
        html.to_string(),
        "<p>One<br>\nline two</p>\n<p>&lt;b&gt;Three&lt;&#x2f;b&gt;</p>"
    );
    assert_eq!(paragraphs(None).to_string(), "", "a missing field is empty");
}

#[test]
fn paragraphs_output_is_not_escaped_again() {
    let (_dir, templates) = templates(&[("note.html", "{{ page.content.text | paragraphs }}")]);

    assert_eq!(
        templates.render("note", view()).unwrap(),
        "<p>Hello &amp; welcome</p>"
    );
}

proptest! {
    #[test]
    fn paragraphs_never_lets_markup_through(text in ".*") {
        let html = paragraphs(Some(&text)).to_string();
        let without_own_tags = html.replace("<p>", "").replace("</p>", "").replace("<br>", "");
        prop_assert!(!without_own_tags.contains('<'));
        prop_assert!(!without_own_tags.contains('>'));
    }
}
