//! The templates shipped in `demo/` and `tests/fixtures/site/` render with the
//! fields of their own content files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Link, PageData, PageView, SiteData, Templates};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A rough reader for our own hand-written content files; the real one lives
/// in `format`, and this only needs to get `Key: value` pairs out of them.
fn fields(file: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    text.split("\n----\n")
        .filter_map(|chunk| chunk.split_once(':'))
        .map(|(key, value)| {
            let value = value.trim().replace("\n\\----", "\n----");
            (key.trim().to_lowercase().replace(['-', ' '], "_"), value)
        })
        .collect()
}

fn page(root: &Path, id: &str, file: &str, status: &str) -> PageData {
    let content = fields(&root.join("content").join(file));
    let template = Path::new(file)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    PageData {
        id: id.to_owned(),
        title: content.get("title").cloned().unwrap_or_default(),
        slug: id.rsplit('/').next().unwrap_or(id).to_owned(),
        url: format!("http://127.0.0.1:8080/{id}"),
        template,
        status: status.to_owned(),
        content,
        children: Vec::new(),
    }
}

fn site(root: &Path, children: &[(&str, &str)]) -> SiteData {
    let content = fields(&root.join("content/site.txt"));
    SiteData {
        title: content.get("title").cloned().unwrap_or_default(),
        url: "http://127.0.0.1:8080".to_owned(),
        content,
        children: children
            .iter()
            .map(|(title, id)| Link {
                title: (*title).to_owned(),
                url: format!("http://127.0.0.1:8080/{id}"),
            })
            .collect(),
    }
}

fn render(root: &Path, page: PageData, site: SiteData) -> String {
    let templates = Templates::new(root.join("site/templates"));
    let template = page.template.clone();
    let html = templates
        .render(
            &template,
            PageView {
                page,
                site,
                csrf: "0123abcd".to_owned(),
            },
        )
        .unwrap();
    assert!(!html.contains("{{") && !html.contains("{%"), "{html}");
    html
}

#[test]
fn demo_pages_render_their_content() {
    let root = repo("demo");
    let nav = [("Blog", "blog")];

    let home = render(
        &root,
        page(&root, "home", "home/home.txt", "unlisted"),
        site(&root, &nav),
    );
    assert!(
        home.contains("<h1>Plain folders, a real API</h1>"),
        "{home}"
    );
    assert!(home.contains("Served by Folio"), "{home}");
    assert!(home.contains(">Blog</a>"), "{home}");

    let mut blog = page(&root, "blog", "1_blog/blog.txt", "listed");
    blog.children = vec![Link {
        title: "First note".into(),
        url: "http://x/blog/first-note".into(),
    }];
    let blog = render(&root, blog, site(&root, &nav));
    assert!(blog.contains(">First note</a>"), "{blog}");

    let note = page(
        &root,
        "blog/first-note",
        "1_blog/20240102_first-note/note.txt",
        "listed",
    );
    let note = render(&root, note, site(&root, &nav));
    assert!(
        note.contains("<h1>First note</h1>") && note.contains("2024-01-02"),
        "{note}"
    );
    assert!(note.contains("<p>This note is a folder"), "{note}");

    // `about` has no template of its own and falls back to `default.html`.
    let about = render(
        &root,
        page(&root, "about", "about/about.txt", "unlisted"),
        site(&root, &nav),
    );
    assert!(
        about.contains("<h1>About</h1>") && about.contains("generated gradient"),
        "{about}"
    );

    let example = page(&root, "example", "example/example.txt", "unlisted");
    let example = render(&root, example, site(&root, &nav));
    assert!(example.contains(r#"const csrf = "0123abcd";"#), "{example}");
    assert!(
        example.contains(r#"fetch("/api/pages/example""#),
        "{example}"
    );
    assert!(example.contains(r#"fetch("/api/auth/login""#), "{example}");
    assert!(example.contains(r#"id="page-title""#), "{example}");
}

#[test]
fn fixture_pages_render_their_content() {
    let root = repo("tests/fixtures/site");
    let nav = [("Projects", "projects"), ("Journal", "journal")];

    let about = render(
        &root,
        page(&root, "about", "about/about.txt", "unlisted"),
        site(&root, &nav),
    );
    assert!(about.contains(r#"<h1 id="title">About</h1>"#), "{about}");

    let crlf = page(
        &root,
        "journal/long-evening",
        "2_journal/20230612_long-evening/entry.txt",
        "listed",
    );
    let crlf = render(&root, crlf, site(&root, &nav));
    assert!(
        crlf.contains("<p>The sun set late.<br>\nWe stayed outside.</p>"),
        "{crlf}"
    );

    let escaped = page(
        &root,
        "format-notes",
        "format-notes/default.txt",
        "unlisted",
    );
    let escaped = render(&root, escaped, site(&root, &nav));
    assert!(escaped.contains("<br>\n----<br>"), "{escaped}");

    let example = page(&root, "example", "example/example.txt", "unlisted");
    let example = render(&root, example, site(&root, &nav));
    assert!(example.contains(r#"const csrf = "0123abcd";"#), "{example}");
    assert!(example.contains(r#"id="fetch-status""#), "{example}");
}
