//! Content writes on a multi-language site: a PATCH in a secondary language
//! writes `<name>.<code>.txt` with only translatable fields and answers with
//! the fields as written; an unknown language writes nothing.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::TestSite;

#[tokio::test]
async fn a_german_page_update_writes_its_own_file_without_the_uuid() {
    let (site, mut client) = TestSite::with_languages(&["en", "de"]).await;
    let english = site.read("content/home/home.en.txt");
    let reply = client
        .json(
            "PATCH",
            "/api/pages/home?language=de",
            json!({"text": "Willkommen"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let content = &reply.json()["data"]["content"];
    assert_eq!(content["text"], json!("Willkommen"));
    assert_eq!(content["uuid"], Value::Null);
    assert_eq!(
        site.read("content/home/home.de.txt"),
        "Title: Home\n\n----\n\nText: Willkommen"
    );
    assert_eq!(site.read("content/home/home.en.txt"), english);
}

#[tokio::test]
async fn a_german_title_change_keeps_the_english_title() {
    let (site, mut client) = TestSite::with_languages(&["en", "de"]).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/home/title?language=de",
            json!({"title": "Start"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["title"], json!("Start"));
    assert_eq!(reply.json()["data"]["content"]["uuid"], Value::Null);
    assert!(
        site.read("content/home/home.en.txt")
            .starts_with("Title: Home\n")
    );
    assert!(
        site.read("content/home/home.de.txt")
            .starts_with("Title: Start\n")
    );
}

#[tokio::test]
async fn an_unknown_language_is_refused_and_writes_nothing() {
    let (site, mut client) = TestSite::with_languages(&["en", "de"]).await;
    let english = site.read("content/home/home.en.txt");
    for path in [
        "/api/pages/home?language=xx",
        "/api/site?language=xx",
        "/api/pages/projects+lighthouse/files/beam.jpg?language=xx",
    ] {
        let reply = client.json("PATCH", path, json!({"text": "X"})).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        assert_eq!(reply.json()["message"], json!("Invalid language: xx"));
        assert_eq!(reply.json()["key"], json!("error.invalidArgument"));
    }
    assert_eq!(site.read("content/home/home.en.txt"), english);
    assert!(!site.root().join("content/home/home.xx.txt").exists());
    assert!(!site.root().join("content/site.xx.txt").exists());
}

#[tokio::test]
async fn german_file_meta_drops_the_uuid_and_the_site_title_goes_to_its_file() {
    let (site, mut client) = TestSite::with_languages(&["en", "de"]).await;
    let meta = "content/1_projects/1_lighthouse/beam.jpg";
    let english = site.read(&format!("{meta}.en.txt"));
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/beam.jpg?language=de",
            json!({"alt": "Strahl"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["content"]["uuid"], Value::Null);
    let german = site.read(&format!("{meta}.de.txt"));
    assert!(german.contains("Alt: Strahl"), "{german}");
    assert!(!german.contains("Uuid:"), "{german}");
    assert_eq!(site.read(&format!("{meta}.en.txt")), english);

    let reply = client
        .json(
            "PATCH",
            "/api/site/title?language=de",
            json!({"title": "Seite"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(site.read("content/site.de.txt").starts_with("Title: Seite"));
}
