//! Writes that follow the blueprint or the site's languages more closely:
//! file `accept` rules on upload and replace, slugs per language, titles of
//! copies, v4 UUIDs, template changes that drop unknown fields, and custom
//! sorting numbers. Each test checks the answer and the bytes on disk.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{ADMIN, Client, TestSite};
use crate::files::upload;

const LIGHTHOUSE: &str = "content/1_projects/1_lighthouse";

async fn admin(site: &TestSite) -> Client {
    let mut client = site.client();
    client.login(ADMIN).await;
    client
}

/// Opens the site again, so blueprints written by a test are loaded.
fn reopen(site: &mut TestSite) {
    site.app = folio::app::App::open(site.root()).unwrap();
}

/// The fixture site with an extra file blueprint `name`.
fn with_file_blueprint(name: &str, yaml: &str) -> TestSite {
    let mut site = TestSite::new();
    let path = site
        .root()
        .join(format!("site/blueprints/files/{name}.yml"));
    std::fs::write(path, yaml).unwrap();
    reopen(&mut site);
    site
}

/// A PNG header that shows `width` × `height`, padded to `size` bytes.
fn png(width: u32, height: u32, size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.resize(size.max(bytes.len()), 0);
    bytes
}

fn names_in(site: &TestSite, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn expect_refused(
    site: &TestSite,
    client: &mut Client,
    file: (&str, &[u8]),
    template: &str,
    message: &str,
) {
    let before = names_in(site, LIGHTHOUSE);
    let fields: Vec<(&str, &str)> = if template.is_empty() {
        Vec::new()
    } else {
        vec![("template", template)]
    };
    let reply = upload(
        client,
        "/api/pages/projects+lighthouse/files",
        &[("file", file.0, file.1)],
        &fields,
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{}: {}",
        file.0,
        reply.text
    );
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": message}),
        "{}",
        file.0
    );
    assert_eq!(
        names_in(site, LIGHTHOUSE),
        before,
        "{} wrote something",
        file.0
    );
}

const STRICT: &str = "title: Strict\naccept:\n  extension: png\n  maxsize: 100\n  minwidth: 10\n  maxheight: 50\n  orientation: portrait\n";

#[tokio::test]
async fn uploads_outside_the_mime_list_are_refused() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let gif = b"GIF89a\x04\x00\x03\x00";
    expect_refused(
        &site,
        &mut client,
        ("a.gif", gif),
        "image",
        "Invalid mime type: image/gif",
    )
    .await;
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "ok.png", &png(4, 3, 40))],
        &[("template", "image")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn extension_size_dimension_and_orientation_rules_are_checked_in_order() {
    let site = with_file_blueprint("strict", STRICT);
    let mut client = admin(&site).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a.jpg",
            b"\xff\xd8\xff\xe0jpeg".to_vec(),
            "Invalid extension: jpg",
        ),
        ("big.png", png(20, 40, 101), "The file is too large"),
        (
            "narrow.png",
            png(5, 40, 60),
            "The width of the image must be at least 10 pixels",
        ),
        (
            "tall.png",
            png(20, 60, 60),
            "The height of the image must not exceed 50 pixels",
        ),
        (
            "wide.png",
            png(40, 30, 60),
            "The orientation of the image must be \"portrait\"",
        ),
    ];
    for (name, bytes, message) in &cases {
        expect_refused(&site, &mut client, (name, bytes), "strict", message).await;
    }
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "fits.png", &png(20, 40, 100))],
        &[("template", "strict")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        std::fs::read(site.root().join(LIGHTHOUSE).join("fits.png")).unwrap(),
        png(20, 40, 100)
    );
}

#[tokio::test]
async fn without_type_rules_only_kirbys_default_types_are_taken() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    expect_refused(
        &site,
        &mut client,
        ("app.js", b"let x = 1;"),
        "",
        "Invalid file type: code",
    )
    .await;
    expect_refused(
        &site,
        &mut client,
        ("data.xyz", b"??"),
        "",
        "Invalid file type: ",
    )
    .await;
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "report.pdf", b"%PDF-1.4 tiny")],
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn a_replacement_must_fit_the_rules_too() {
    let site = with_file_blueprint("strict", STRICT);
    let mut client = admin(&site).await;
    let files = "/api/pages/projects+lighthouse/files";
    let first = png(20, 40, 80);
    let reply = upload(
        &mut client,
        files,
        &[("file", "fits.png", &first)],
        &[("template", "strict")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let path = format!("{files}/fits.png");
    let wide = png(40, 20, 80);
    let refused = upload(&mut client, &path, &[("file", "fits.png", &wide)], &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        refused.json()["message"],
        Value::from("The orientation of the image must be \"portrait\"")
    );
    assert_eq!(
        std::fs::read(site.root().join(LIGHTHOUSE).join("fits.png")).unwrap(),
        first
    );
    let taller = png(20, 45, 90);
    let replaced = upload(&mut client, &path, &[("file", "fits.png", &taller)], &[]).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(
        std::fs::read(site.root().join(LIGHTHOUSE).join("fits.png")).unwrap(),
        taller
    );
}

#[tokio::test]
async fn a_german_slug_goes_into_the_german_file_and_finds_the_page() {
    let (site, mut client) = TestSite::with_languages(&["en", "de"]).await;
    let english = site.read("content/1_projects/projects.en.txt");
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects/slug?language=de",
            json!({"slug": "Unsere Projekte"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["id"], "projects");
    assert_eq!(reply.json()["data"]["slug"], "unsere-projekte");
    let german = site.read("content/1_projects/projects.de.txt");
    assert!(german.ends_with("Slug: unsere-projekte"), "{german}");
    assert_eq!(site.read("content/1_projects/projects.en.txt"), english);
    let found = client
        .get("/api/pages/unsere-projekte+lighthouse?language=de&select=id,slug")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json()["data"]["id"], "projects/lighthouse");
    let in_english = client.get("/api/pages/unsere-projekte?select=id").await;
    assert_eq!(in_english.status, StatusCode::NOT_FOUND);
    let english_slug = client.get("/api/pages/projects?select=slug").await.json();
    assert_eq!(english_slug["data"]["slug"], "projects");

    let back = client
        .json(
            "PATCH",
            "/api/pages/projects/slug",
            json!({"slug": "projects"}),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    let taken = client
        .json(
            "PATCH",
            "/api/pages/unsere-projekte/slug?language=de",
            json!({"slug": "journal"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text);
    assert_eq!(taken.json()["key"], "error.page.duplicate");
    let reset = client
        .json(
            "PATCH",
            "/api/pages/unsere-projekte/slug?language=de",
            json!({"slug": "projects"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert!(
        !site
            .read("content/1_projects/projects.de.txt")
            .contains("Slug:")
    );
    assert!(site.root().join("content/1_projects").is_dir());
}

#[tokio::test]
async fn a_duplicate_takes_the_given_title() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let original = site.read(&format!("{LIGHTHOUSE}/project.txt"));
    let reply = client
        .json(
            "POST",
            "/api/pages/projects+lighthouse/duplicate",
            json!({"slug": "second-light", "title": "Second Light"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["title"], "Second Light");
    let copy = site.read("content/1_projects/_drafts/second-light/project.txt");
    assert!(
        copy.starts_with("Title: Second Light\n\n----\n\nYear: 2019"),
        "{copy}"
    );
    assert_eq!(site.read(&format!("{LIGHTHOUSE}/project.txt")), original);

    let untitled = client
        .json(
            "POST",
            "/api/pages/projects+lighthouse/duplicate",
            json!({"slug": "third-light"}),
        )
        .await;
    assert_eq!(untitled.status, StatusCode::OK);
    assert_eq!(untitled.json()["data"]["title"], "Lighthouse");
}

#[tokio::test]
async fn an_empty_title_for_a_duplicate_copies_nothing() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let reply = client
        .json(
            "POST",
            "/api/pages/projects+lighthouse/duplicate",
            json!({"slug": "blank", "title": "  "}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.json()["key"], "error.page.changeTitle.empty");
    assert!(
        !site
            .root()
            .join("content/1_projects/_drafts/blank")
            .exists()
    );
}

#[tokio::test]
async fn a_german_title_for_a_duplicate_goes_into_the_german_file() {
    let (site, mut client) = TestSite::with_languages(&["en", "de"]).await;
    let reply = client
        .json(
            "POST",
            "/api/pages/projects+lighthouse/duplicate?language=de",
            json!({"slug": "leuchtturm", "title": "Leuchtturm"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["title"], "Leuchtturm");
    let dir = "content/1_projects/_drafts/leuchtturm";
    assert!(
        site.read(&format!("{dir}/project.de.txt"))
            .starts_with("Title: Leuchtturm\n")
    );
    assert!(
        site.read(&format!("{dir}/project.en.txt"))
            .starts_with("Title: Lighthouse\n")
    );
}

fn is_uuid_v4(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    lengths == [8, 4, 4, 4, 12]
        && text
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

fn uuid_in(text: &str) -> Option<String> {
    text.split("\n\n----\n\n")
        .find_map(|field| field.strip_prefix("Uuid: "))
        .map(|u| u.trim().to_owned())
}

/// Creates a page, uploads a file and duplicates a page; returns the
/// content of the three new content files.
async fn create_upload_duplicate(site: &TestSite) -> [String; 3] {
    let mut client = admin(site).await;
    let created = client
        .json(
            "POST",
            "/api/site/children",
            json!({"slug": "fresh", "template": "default", "content": {"title": "Fresh"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let uploaded = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "new.png", &png(4, 3, 40))],
        &[],
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let copied = client
        .json(
            "POST",
            "/api/pages/projects+lighthouse/duplicate",
            json!({"slug": "light-copy", "files": true}),
        )
        .await;
    assert_eq!(copied.status, StatusCode::OK, "{}", copied.text);
    [
        site.read("content/_drafts/fresh/default.txt"),
        site.read(&format!("{LIGHTHOUSE}/new.png.txt")),
        site.read("content/1_projects/_drafts/light-copy/beam.jpg.txt"),
    ]
}

#[tokio::test]
async fn uuid_v4_gives_new_pages_files_and_copies_v4_uuids() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{}'],\n'content' => ['uuid' => 'uuid-v4'],",
        crate::common::CSRF
    ));
    for text in create_upload_duplicate(&site).await {
        let uuid = uuid_in(&text).unwrap_or_else(|| panic!("no uuid in {text}"));
        assert!(is_uuid_v4(&uuid), "{uuid}");
    }
}

#[tokio::test]
async fn uuids_switched_off_are_not_written() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{}'],\n'content' => ['uuid' => false],",
        crate::common::CSRF
    ));
    let [page, file, _] = create_upload_duplicate(&site).await;
    assert_eq!(uuid_in(&page), None, "{page}");
    assert_eq!(uuid_in(&file), None, "{file}");
}

const NOTE: &str = "title: Note\noptions:\n  changeTemplate:\n    - article\nfields:\n  text:\n    type: textarea\n  year:\n    type: number\n  tags:\n    type: tags\n";
const ARTICLE: &str = "title: Article\noptions:\n  changeTemplate:\n    - note\nfields:\n  text:\n    type: textarea\n  year:\n    type: text\n    default: \"2000\"\n  lead:\n    type: text\n    default: Read on\n  summary:\n    type: text\n";
const NOTE_CONTENT: &str = "Title: Notes\n\n----\n\nText: Kept text\n\n----\n\nYear: 1990\n\n----\n\nTags: a, b\n\n----\n\nExtra: unknown to both\n\n----\n\nUuid: noteuuid12345678";

/// The fixture site with the `note` and `article` blueprints and a page
/// `notes` of template `note`, opened with `config`.
fn note_site(config: &str) -> TestSite {
    let mut site = TestSite::with_config(config);
    let root = site.root().to_owned();
    std::fs::write(root.join("site/blueprints/pages/note.yml"), NOTE).unwrap();
    std::fs::write(root.join("site/blueprints/pages/article.yml"), ARTICLE).unwrap();
    std::fs::create_dir_all(root.join("content/notes")).unwrap();
    std::fs::write(root.join("content/notes/note.txt"), NOTE_CONTENT).unwrap();
    reopen(&mut site);
    site
}

#[tokio::test]
async fn a_template_change_converts_the_content_for_the_new_blueprint() {
    let site = note_site(&format!("'api' => ['csrf' => '{}'],", crate::common::CSRF));
    let mut client = admin(&site).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/notes/template",
            json!({"template": "article"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["template"], "article");
    assert!(!site.root().join("content/notes/note.txt").exists());
    assert_eq!(
        site.read("content/notes/article.txt"),
        "Title: Notes\n\n----\n\nText: Kept text\n\n----\n\nYear: 2000\n\n----\n\n\
         Tags: a, b\n\n----\n\nExtra: unknown to both\n\n----\n\nUuid: noteuuid12345678\n\n----\n\n\
         Lead: Read on"
    );
}

#[tokio::test]
async fn a_refused_template_change_leaves_the_content_alone() {
    let site = note_site(&format!("'api' => ['csrf' => '{}'],", crate::common::CSRF));
    let mut client = admin(&site).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/notes/template",
            json!({"template": "project"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.json()["key"], "error.page.changeTemplate.invalid");
    assert_eq!(site.read("content/notes/note.txt"), NOTE_CONTENT);
    assert!(!site.root().join("content/notes/article.txt").exists());
}

#[tokio::test]
async fn a_template_change_converts_every_language_file() {
    let site = note_site(&format!(
        "'api' => ['csrf' => '{}'],\n'languages' => true,",
        crate::common::CSRF
    ));
    let mut client = admin(&site).await;
    client.add_languages(&["en", "de"]).await;
    let german = client
        .json(
            "PATCH",
            "/api/pages/notes?language=de",
            json!({"title": "Notizen", "year": "1991"}),
        )
        .await;
    assert_eq!(german.status, StatusCode::OK, "{}", german.text);
    let reply = client
        .json(
            "PATCH",
            "/api/pages/notes/template",
            json!({"template": "article"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let names = names_in(&site, "content/notes");
    assert_eq!(names, ["article.de.txt", "article.en.txt"]);
    let english = site.read("content/notes/article.en.txt");
    assert!(
        english.contains("Year: 2000") && english.contains("Uuid: noteuuid12345678"),
        "{english}"
    );
    let german = site.read("content/notes/article.de.txt");
    assert!(german.starts_with("Title: Notizen\n"), "{german}");
    assert!(
        german.contains("Year: 2000") && german.contains("Lead: Read on"),
        "{german}"
    );
    assert!(!german.contains("Uuid:"), "{german}");
}

/// A top-level draft `slug` of template `template`, whose blueprint says
/// `num: <num>`, with `content`.
fn numbered_draft(template: &str, num: &str, slug: &str, content: &str) -> TestSite {
    let mut site = TestSite::new();
    let root = site.root().to_owned();
    std::fs::write(
        root.join(format!("site/blueprints/pages/{template}.yml")),
        format!("title: {template}\nnum: '{num}'\n"),
    )
    .unwrap();
    let dir = root.join("content/_drafts").join(slug);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{template}.txt")), content).unwrap();
    reopen(&mut site);
    site
}

async fn list_page(site: &TestSite, slug: &str) -> crate::common::Reply {
    let mut client = admin(site).await;
    client
        .json(
            "PATCH",
            &format!("/api/pages/{slug}/status"),
            json!({"status": "listed"}),
        )
        .await
}

#[tokio::test]
async fn a_num_query_of_a_field_numbers_the_folder() {
    let site = numbered_draft(
        "yearly",
        "{{ page.year }}",
        "old-mill",
        "Title: Old mill\n\n----\n\nYear: 1850",
    );
    let reply = list_page(&site, "old-mill").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["num"], 1850);
    assert!(
        site.root()
            .join("content/1850_old-mill/yearly.txt")
            .exists()
    );
}

#[tokio::test]
async fn a_num_query_of_a_formatted_date_numbers_the_folder() {
    let site = numbered_draft(
        "dated",
        "{{ page.published.toDate(\"Ymd\") }}",
        "launch",
        "Title: Launch\n\n----\n\nPublished: 2021-07-04 09:00",
    );
    let reply = list_page(&site, "launch").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        site.root()
            .join("content/20210704_launch/dated.txt")
            .exists()
    );
}

#[tokio::test]
async fn a_num_query_folio_cannot_evaluate_is_refused_and_moves_nothing() {
    let site = numbered_draft("odd", "{{ site.title }}", "odd-one", "Title: Odd");
    let reply = list_page(&site, "odd-one").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["status"], "error");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("{{ site.title }}"),
        "{body}"
    );
    assert!(site.root().join("content/_drafts/odd-one/odd.txt").exists());
}
