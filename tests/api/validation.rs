//! Blueprint form validation on writes: a PATCH whose form has errors is
//! refused with the errors as `details` and writes nothing; a draft with
//! errors cannot be published; `errors` shows a page's errors. The `event`
//! blueprint of the fixture holds the rules (see tests/fixtures/README.md).

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{ADMIN, CSRF, Client, TestSite};

const CONCERT: &str = "content/concert/event.txt";
const REHEARSAL: &str = "content/_drafts/rehearsal/event.txt";

fn bytes(site: &TestSite, path: &str) -> Vec<u8> {
    std::fs::read(site.root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn text(site: &TestSite, path: &str) -> String {
    String::from_utf8_lossy(&bytes(site, path)).into_owned()
}

async fn admin(site: &TestSite) -> Client {
    let mut client = site.client();
    client.login(ADMIN).await;
    client
}

/// The fixture with extra blueprint text written before the app opens.
fn site_with(files: &[(&str, &str)]) -> TestSite {
    let mut site = TestSite::new();
    for (path, body) in files {
        let path: PathBuf = site.root().join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap();
        std::fs::write(&path, body).unwrap();
    }
    site.app = folio::app::App::open(site.root()).unwrap();
    site
}

fn assert_invalid_form(reply: &crate::common::Reply, details: Value) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["status"], "error");
    assert_eq!(body["message"], "Invalid form with errors");
    assert_eq!(body["code"], 400);
    assert_eq!(body["key"], "error.invalidArgument");
    assert_eq!(body["details"], details);
}

#[tokio::test]
async fn a_page_update_with_bad_values_is_refused_and_writes_nothing() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let before = bytes(&site, CONCERT);
    let body = json!({"venue": " ", "code": "abc12", "seats": 0, "topics": ["a", "b", "c", "d"]});
    let reply = client.json("PATCH", "/api/pages/concert", body).await;
    assert_invalid_form(
        &reply,
        json!({
            "venue": {"label": "Venue", "message": {"required": "Please enter something"}},
            "code": {"label": "Booking code",
                "message": {"pattern": "The value does not match the expected pattern"}},
            "seats": {"label": "Seats",
                "message": {"min": "Please enter a value equal to or greater than 1"}},
            "topics": {"label": "Topics",
                "message": {"max": "Please enter a value equal to or lower than 3"}},
        }),
    );
    assert_eq!(bytes(&site, CONCERT), before);
    let again = client.get("/api/pages/concert?select=content").await;
    assert_eq!(again.json()["data"]["content"]["venue"], "Town hall");
}

#[tokio::test]
async fn a_valid_update_is_written() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let body = json!({"venue": "Harbour stage", "code": "xyz-7", "seats": 500});
    let reply = client.json("PATCH", "/api/pages/concert", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let stored = text(&site, CONCERT);
    assert!(stored.contains("Venue: Harbour stage"), "{stored}");
    assert!(stored.contains("Code: xyz-7"), "{stored}");
    assert!(stored.contains("Seats: 500"), "{stored}");
}

#[tokio::test]
async fn fields_the_update_leaves_out_are_checked_as_stored() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let before = bytes(&site, REHEARSAL);
    let reply = client
        .json("PATCH", "/api/pages/rehearsal", json!({"code": "ABC-1"}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let details = &reply.json()["details"];
    let names: Vec<&String> = details
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(names, ["venue", "seats"]);
    assert_eq!(bytes(&site, REHEARSAL), before);
}

#[tokio::test]
async fn input_for_disabled_fields_is_ignored() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let body = json!({"notes": "changed", "venue": "Park"});
    let reply = client.json("PATCH", "/api/pages/concert", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let stored = text(&site, CONCERT);
    assert!(stored.contains("Notes: Doors open at seven."), "{stored}");
    assert!(stored.contains("Venue: Park"), "{stored}");
}

#[tokio::test]
async fn a_draft_with_errors_cannot_be_published_until_fixed() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let errors = client.get("/api/pages/rehearsal?select=errors").await;
    let expected = json!({
        "venue": {"label": "Venue", "message": {"required": "Please enter something"}},
        "seats": {"label": "Seats",
            "message": {"max": "Please enter a value equal to or lower than 500"}},
    });
    assert_eq!(errors.json()["data"]["errors"], expected);

    let publish = json!({"status": "unlisted"});
    let refused = client
        .json("PATCH", "/api/pages/rehearsal/status", publish.clone())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let body = refused.json();
    assert_eq!(body["key"], "error.page.changeStatus.incomplete");
    assert_eq!(
        body["message"],
        "The page has errors and cannot be published"
    );
    assert_eq!(body["details"], expected);
    assert!(site.root().join(REHEARSAL).exists());

    let fix = json!({"venue": "Studio", "seats": 20});
    let fixed = client.json("PATCH", "/api/pages/rehearsal", fix).await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.text);
    let clean = client.get("/api/pages/rehearsal?select=errors").await;
    assert_eq!(clean.json()["data"]["errors"], json!([]));
    let published = client
        .json("PATCH", "/api/pages/rehearsal/status", publish)
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    assert!(site.root().join("content/rehearsal/event.txt").exists());
}

#[tokio::test]
async fn an_invalid_status_is_reported_before_the_errors() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/rehearsal/status",
            json!({"status": "gone"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.json()["message"], "Invalid status: gone");
}

#[tokio::test]
async fn creating_a_draft_does_not_validate() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let body = json!({"slug": "open-air", "template": "event", "content": {"title": "Open air"}});
    let reply = client.json("POST", "/api/site/children", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let errors = client.get("/api/pages/open-air?select=errors").await;
    assert_eq!(
        errors.json()["data"]["errors"]["venue"]["message"]["required"],
        "Please enter something"
    );
}

#[tokio::test]
async fn site_user_and_file_updates_are_validated() {
    let required_motto = "title: Site\n\nfields:\n  motto:\n    type: text\n    required: true\n";
    let editor = "title: Editor\n\nfields:\n  phone:\n    type: tel\n    maxlength: 5\n";
    let image = "title: Image\n\nfields:\n  alt:\n    label: Alternative text\n    type: text\n    minlength: 3\n";
    let site = site_with(&[
        ("site/blueprints/site.yml", required_motto),
        ("site/blueprints/users/editor.yml", editor),
        ("site/blueprints/files/image.yml", image),
    ]);
    let mut client = admin(&site).await;

    let reply = client
        .json("PATCH", "/api/site", json!({"motto": ""}))
        .await;
    let required = json!({"required": "Please enter something"});
    assert_invalid_form(
        &reply,
        json!({"motto": {"label": "Motto", "message": required}}),
    );
    let reply = client
        .json("PATCH", "/api/site", json!({"motto": "Onwards"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let reply = client
        .json(
            "PATCH",
            "/api/users/fdJlnth1",
            json!({"phone": "0123456789"}),
        )
        .await;
    let too_long = json!({"maxlength": "Please enter a shorter value. (max. 5 characters)"});
    assert_invalid_form(
        &reply,
        json!({"phone": {"label": "Phone", "message": too_long}}),
    );

    let meta = "content/1_projects/1_lighthouse/beam.jpg.txt";
    let before = bytes(&site, meta);
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/beam.jpg",
            json!({"alt": "x"}),
        )
        .await;
    let too_short = json!({"minlength": "Please enter a longer value. (min. 3 characters)"});
    assert_invalid_form(
        &reply,
        json!({"alt": {"label": "Alternative text", "message": too_short}}),
    );
    assert_eq!(bytes(&site, meta), before);
}

#[tokio::test]
async fn a_secondary_language_is_checked_with_the_default_untranslatable_values() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'],\n'languages' => true,"
    ));
    let mut client = admin(&site).await;
    client.add_languages(&["en", "de"]).await;
    // `seats` is untranslatable: German input for it is not stored, so the
    // English value is what counts.
    let body = json!({"venue": "Rathaus", "seats": 9999});
    let reply = client
        .json("PATCH", "/api/pages/concert?language=de", body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let german = client
        .json(
            "PATCH",
            "/api/pages/concert?language=de",
            json!({"venue": ""}),
        )
        .await;
    assert_eq!(german.status, StatusCode::BAD_REQUEST, "{}", german.text);
    let details = german.json()["details"].clone();
    assert_eq!(
        details["venue"]["message"]["required"],
        "Please enter something"
    );
    assert!(details.get("seats").is_none(), "{details}");
    assert!(text(&site, "content/concert/event.de.txt").contains("Venue: Rathaus"));
}
