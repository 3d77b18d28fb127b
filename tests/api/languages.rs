//! Content languages: the routes exist only with the `languages` option;
//! creating the first language and deleting the last move the content files.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{ADMIN, CLIENT, CSRF, TestSite};

fn multilang_site() -> TestSite {
    TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'],\n'languages' => true,"
    ))
}

fn read(site: &TestSite, path: &str) -> String {
    std::fs::read_to_string(site.root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

#[tokio::test]
async fn without_the_option_there_are_no_language_routes() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client.get("/api/languages").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["key"], json!(null));
    let reply = client
        .json("POST", "/api/languages", json!({"code": "de"}))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(!site.root().join("site/languages").exists());
}

#[tokio::test]
async fn the_first_language_converts_the_content_and_the_last_converts_it_back() {
    let site = multilang_site();
    let original_site = read(&site, "content/site.txt");
    let original_meta = read(&site, "content/1_projects/1_lighthouse/beam.jpg.txt");
    let mut client = site.client();
    client.login(ADMIN).await;

    let reply = client
        .json(
            "POST",
            "/api/languages",
            json!({"code": "en", "name": "English", "locale": "en_US"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["default"], json!(true));
    assert_eq!(reply.json()["data"]["locale"], json!({"6": "en_US"}));
    assert_eq!(
        read(&site, "site/languages/en.php"),
        "<?php\n\nreturn [\n    'code' => 'en',\n    'default' => true,\n    'direction' => 'ltr',\n    'locale' => [\n        'LC_ALL' => 'en_US'\n    ],\n    'name' => 'English',\n    'translations' => [\n\n    ],\n    'url' => NULL\n];"
    );
    assert_eq!(read(&site, "content/site.en.txt"), original_site);
    assert_eq!(
        read(&site, "content/1_projects/1_lighthouse/beam.jpg.en.txt"),
        original_meta
    );
    assert!(
        site.root()
            .join("content/_drafts/secret-plan/default.en.txt")
            .exists()
    );
    assert!(
        site.root()
            .join("site/accounts/L3TKdhXx/user.en.txt")
            .exists()
    );
    assert!(!site.root().join("content/site.txt").exists());

    let reply = client
        .get("/api/pages/projects+lighthouse?select=title")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["title"], json!("Lighthouse"));

    let reply = client.json("DELETE", "/api/languages/en", json!({})).await;
    assert_eq!(
        reply.json(),
        json!({"status": "ok", "message": "ok", "code": 200})
    );
    assert!(!site.root().join("site/languages/en.php").exists());
    assert_eq!(read(&site, "content/site.txt"), original_site);
    assert_eq!(
        read(&site, "content/1_projects/1_lighthouse/beam.jpg.txt"),
        original_meta
    );
    assert!(!site.root().join("site/.folio-languages.journal").exists());
}

#[tokio::test]
async fn a_secondary_language_is_created_updated_and_deleted() {
    let site = multilang_site();
    let mut client = site.client();
    client.login(ADMIN).await;
    client
        .json(
            "POST",
            "/api/languages",
            json!({"code": "en", "name": "English"}),
        )
        .await;
    let reply = client
        .json(
            "POST",
            "/api/languages",
            json!({"code": "De", "name": " Deutsch ", "url": "/de"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["code"], json!("de"));
    assert_eq!(reply.json()["data"]["name"], json!("Deutsch"));
    assert_eq!(reply.json()["data"]["default"], json!(false));

    let reply = client
        .json(
            "PATCH",
            "/api/languages/de",
            json!({"code": "xx", "direction": "rtl", "translations": {"hi": "Hallo"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["direction"], json!("rtl"));
    assert_eq!(
        read(&site, "site/languages/de.php"),
        "<?php\n\nreturn [\n    'code' => 'de',\n    'default' => false,\n    'direction' => 'rtl',\n    'locale' => [\n        'LC_ALL' => 'de'\n    ],\n    'name' => 'Deutsch',\n    'translations' => [\n        'hi' => 'Hallo'\n    ],\n    'url' => '/de'\n];"
    );
    let list = client.get("/api/languages?select=code,default").await;
    assert_eq!(
        list.json()["data"],
        json!([{"code": "de", "default": false}, {"code": "en", "default": true}])
    );

    std::fs::write(
        site.root().join("content/home/home.de.txt"),
        "Title: Startseite",
    )
    .unwrap();
    let reply = client.json("DELETE", "/api/languages/DE", json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(!site.root().join("site/languages/de.php").exists());
    assert!(!site.root().join("content/home/home.de.txt").exists());
    assert!(site.root().join("content/home/home.en.txt").exists());
}

#[tokio::test]
async fn bad_requests_change_nothing() {
    let site = multilang_site();
    let mut client = site.client();
    client.login(ADMIN).await;
    client
        .json("POST", "/api/languages", json!({"code": "en"}))
        .await;
    client
        .json("POST", "/api/languages", json!({"code": "de"}))
        .await;
    let before = read(&site, "site/languages/de.php");

    let cases = [
        (
            "POST",
            "/api/languages",
            json!({"code": "en"}),
            400,
            "error.language.duplicate",
        ),
        (
            "POST",
            "/api/languages",
            json!({"code": "x"}),
            400,
            "error.language.code",
        ),
        (
            "POST",
            "/api/languages",
            json!({"name": "No code"}),
            400,
            "error.language.code",
        ),
        (
            "POST",
            "/api/languages",
            json!({"code": ["fr"]}),
            400,
            "error.language.code",
        ),
        (
            "PATCH",
            "/api/languages/de",
            json!({"name": "  "}),
            400,
            "error.language.name",
        ),
        (
            "PATCH",
            "/api/languages/de",
            json!({"locale": 12}),
            400,
            "error.invalidArgument",
        ),
        (
            "PATCH",
            "/api/languages/de",
            json!({"translations": "nope"}),
            400,
            "error.invalidArgument",
        ),
        (
            "DELETE",
            "/api/languages/en",
            json!({}),
            400,
            "error.general",
        ),
    ];
    for (method, path, body, status, key) in cases {
        let reply = client.json(method, path, body.clone()).await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{method} {path} {body}: {}",
            reply.text
        );
        assert_eq!(reply.json()["key"], json!(key), "{method} {path} {body}");
    }
    let reply = client
        .json("PATCH", "/api/languages/xx", json!({"name": "X"}))
        .await;
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "not found", "code": 404})
    );

    let malformed = axum::http::Request::patch("/api/languages/de")
        .header("x-csrf", CSRF)
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{\"name\": "))
        .unwrap();
    assert_eq!(client.send(malformed).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(read(&site, "site/languages/de.php"), before);
    assert!(site.root().join("site/languages/en.php").exists());
}

#[tokio::test]
async fn only_roles_with_the_permission_change_languages() {
    let site = multilang_site();
    let mut admin = site.client();
    admin.login(ADMIN).await;
    admin
        .json("POST", "/api/languages", json!({"code": "en"}))
        .await;

    let mut client = site.client();
    client.login(CLIENT).await;
    assert_eq!(
        client.get("/api/languages?select=code").await.json()["data"],
        json!([{"code": "en"}])
    );
    let reply = client
        .json("POST", "/api/languages", json!({"code": "fr"}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json()["key"],
        json!("error.language.create.permission")
    );
    let reply = client
        .json("PATCH", "/api/languages/en", json!({"name": "Englisch"}))
        .await;
    assert_eq!(
        reply.json()["key"],
        json!("error.language.update.permission")
    );
    let reply = client.json("DELETE", "/api/languages/en", json!({})).await;
    assert_eq!(
        reply.json()["key"],
        json!("error.language.delete.permission")
    );
    assert!(site.root().join("site/languages/en.php").exists());
    assert!(!site.root().join("site/languages/fr.php").exists());
}
