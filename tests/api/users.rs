//! Writing users: create, update, delete and the change routes, checked by
//! status, error key and the account files on disk.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::common::{ADMIN, CLIENT, CSRF, Client, EDITOR, TestSite};

const ADMIN_ID: &str = "L3TKdhXx";
const EDITOR_ID: &str = "fdJlnth1";
const CLIENT_ID: &str = "1bfD8mWb";

fn account(site: &TestSite, id: &str) -> PathBuf {
    site.root().join("site/accounts").join(id)
}

fn read(site: &TestSite, id: &str, file: &str) -> String {
    std::fs::read_to_string(account(site, id).join(file)).unwrap()
}

fn account_ids(site: &TestSite) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(site.root().join("site/accounts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

fn key(reply: &crate::common::Reply) -> Value {
    reply.json()["key"].clone()
}

async fn logged_in(site: &TestSite, who: (&str, &str)) -> Client {
    let mut client = site.client();
    client.login(who).await;
    client
}

#[tokio::test]
async fn admin_creates_an_account_in_kirbys_format() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let before = account_ids(&site);
    let body = json!({"email": " New@Example.com ", "password": "new-user-pass", "name": "O'Neil",
        "role": "editor", "content": {"bio": "Hello"}, "bogus": 1});
    let reply = admin.json("POST", "/api/users", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let data = &reply.json()["data"];
    assert_eq!(data["email"], "new@example.com");
    assert_eq!(data["role"]["name"], "editor");
    let id = data["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 8);
    assert_eq!(
        read(&site, &id, "index.php"),
        "<?php\n\nreturn [\n    'email' => 'new@example.com',\n    'language' => 'en',\n    'name' => 'O\\'Neil',\n    'role' => 'editor'\n];"
    );
    let hash = read(&site, &id, ".htpasswd");
    assert!(hash.starts_with("$2y$10$") && hash.len() == 60, "{hash}");
    assert_eq!(read(&site, &id, "user.txt"), "Bio: Hello");
    assert_eq!(
        account_ids(&site).len(),
        before.len() + 1,
        "one new folder, no leftovers"
    );

    let again = admin
        .json(
            "POST",
            "/api/users",
            json!({"email": "new@example.com", "password": "new-user-pass"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(key(&again), "error.user.duplicate");
    for (body, expected) in [
        (
            json!({"email": "nope", "password": "new-user-pass"}),
            "error.user.email.invalid",
        ),
        (
            json!({"email": ["a@example.com"], "password": "new-user-pass"}),
            "error.user.email.invalid",
        ),
        (
            json!({"email": "s@example.com", "password": "short"}),
            "error.user.password.invalid",
        ),
        (
            json!({"email": "l@example.com", "password": "x".repeat(1001)}),
            "error.user.password.excessive",
        ),
        (
            json!({"email": "g@example.com", "password": "new-user-pass", "language": "xx"}),
            "error.user.language.invalid",
        ),
    ] {
        let reply = admin.json("POST", "/api/users", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(key(&reply), expected);
    }
    assert_eq!(
        account_ids(&site).len(),
        before.len() + 1,
        "failed creates write nothing"
    );
}

#[tokio::test]
async fn addresses_php_would_refuse_are_invalid_on_create_and_change() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let before = account_ids(&site);
    let long_local = format!("{}@example.com", "x".repeat(65));
    let long_label = format!("x@{}.com", "d".repeat(64));
    let invalid = [
        "\"><script>@x.com",
        "x@x..com",
        "../../x@y.com",
        "Ω@münchen.de",
        "x@-x.com",
        "x@x-.com",
        &long_local,
        &long_label,
    ];
    for email in invalid {
        let create = json!({"email": email, "password": "new-user-pass"});
        let reply = admin.json("POST", "/api/users", create).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{email}: {}",
            reply.text
        );
        assert_eq!(key(&reply), "error.user.email.invalid", "{email}");
        let change = json!({"email": email});
        let path = format!("/api/users/{EDITOR_ID}/email");
        let reply = admin.json("PATCH", &path, change).await;
        assert_eq!(key(&reply), "error.user.email.invalid", "{email}");
    }
    assert_eq!(
        account_ids(&site),
        before,
        "refused addresses write nothing"
    );
    let unicode = json!({"email": "ada@bücher.example", "password": "new-user-pass"});
    let reply = admin.json("POST", "/api/users", unicode).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn a_new_password_repairs_an_unreadable_htpasswd() {
    let site = TestSite::new();
    let htpasswd = account(&site, EDITOR_ID).join(".htpasswd");
    std::fs::write(&htpasswd, b"\xff\xfe not a hash\n\xff").unwrap();
    let mut admin = logged_in(&site, ADMIN).await;
    let path = format!("/api/users/{EDITOR_ID}/password");
    let reply = admin
        .json("PATCH", &path, json!({"password": "repaired-pass-1"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let hash = read(&site, EDITOR_ID, ".htpasswd");
    assert!(hash.starts_with("$2y$10$") && hash.len() == 60, "{hash}");
    let mut editor = site.client();
    let login = editor
        .login(("editor@example.com", "repaired-pass-1"))
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
}

#[tokio::test]
async fn an_unknown_role_is_stored_as_nobody() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let reply = admin
        .json(
            "POST",
            "/api/users",
            json!({"email": "r@example.com", "role": "superuser"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = reply.json()["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.json()["data"]["role"]["name"], "nobody");
    assert!(read(&site, &id, "index.php").contains("'name' => NULL,\n    'role' => 'nobody'\n"));
}

#[tokio::test]
async fn an_editor_cannot_create_users() {
    let site = TestSite::new();
    let mut editor = logged_in(&site, EDITOR).await;
    let before = account_ids(&site);
    let body = json!({"email": "x@example.com", "password": "new-user-pass", "role": "editor"});
    let reply = editor.json("POST", "/api/users", body).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(key(&reply), "error.user.create.permission");
    assert_eq!(account_ids(&site), before);
}

#[tokio::test]
async fn content_updates_merge_into_user_txt() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let path = format!("/api/users/{EDITOR_ID}");
    let reply = admin
        .json("PATCH", &path, json!({"city": "Oslo", "tags": ["a", "b"]}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["content"]["city"], "Oslo");
    let reply = admin
        .json(
            "PATCH",
            &path,
            json!({"zip": 1234, "city": "Bergen", "tags": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        read(&site, EDITOR_ID, "user.txt"),
        "City: Bergen\n\n----\n\nZip: 1234"
    );

    let malformed = Request::patch(path.as_str())
        .header("x-csrf", CSRF)
        .header("content-type", "application/json")
        .body(Body::from("{\"city\": oops"))
        .unwrap();
    let reply = admin.send(malformed).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = admin.json("PATCH", &path, json!(["not", "fields"])).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        read(&site, EDITOR_ID, "user.txt"),
        "City: Bergen\n\n----\n\nZip: 1234",
        "bad bodies change nothing"
    );
}

#[tokio::test]
async fn credential_changes_rewrite_index_php() {
    let mut site = TestSite::new();
    // Panel languages are the site's installed translations.
    let translations = site.root().join("kirby/i18n/translations");
    std::fs::create_dir_all(&translations).unwrap();
    std::fs::write(translations.join("en.json"), "{}").unwrap();
    std::fs::write(translations.join("de.json"), "{}").unwrap();
    site.app = folio::app::App::open(site.root()).unwrap();
    let mut admin = logged_in(&site, ADMIN).await;
    let base = format!("/api/users/{EDITOR_ID}");
    let ok =
        |reply: &crate::common::Reply| assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    ok(&admin
        .json(
            "PATCH",
            &format!("{base}/email"),
            json!({"email": " Ed@Example.ORG "}),
        )
        .await);
    ok(&admin
        .json(
            "PATCH",
            &format!("{base}/name"),
            json!({"name": "  Eddie  "}),
        )
        .await);
    ok(&admin
        .json(
            "PATCH",
            &format!("{base}/language"),
            json!({"language": "de"}),
        )
        .await);
    ok(&admin
        .json("PATCH", &format!("{base}/role"), json!({"role": "client"}))
        .await);
    let expected = "<?php\n\nreturn [\n    'email' => 'ed@example.org',\n    'language' => 'de',\n    'name' => 'Eddie',\n    'role' => 'client'\n];";
    assert_eq!(read(&site, EDITOR_ID, "index.php"), expected);

    for (route, body, status, expected_key) in [
        (
            "email",
            json!({"email": "admin@example.com"}),
            400,
            "error.user.duplicate",
        ),
        (
            "email",
            json!({"email": "nope"}),
            400,
            "error.user.email.invalid",
        ),
        (
            "email",
            json!({"email": ["a@example.com"]}),
            400,
            "error.user.email.invalid",
        ),
        (
            "language",
            json!({"language": "xx"}),
            400,
            "error.user.language.invalid",
        ),
        (
            "role",
            json!({"role": "nope"}),
            400,
            "error.user.role.invalid",
        ),
        (
            "role",
            json!({"role": {"name": "admin"}}),
            400,
            "error.user.role.invalid",
        ),
        (
            "password",
            json!({"password": "short"}),
            400,
            "error.user.password.invalid",
        ),
    ] {
        let reply = admin.json("PATCH", &format!("{base}/{route}"), body).await;
        assert_eq!(reply.status.as_u16(), status, "{route}: {}", reply.text);
        assert_eq!(key(&reply), expected_key, "{route}");
    }
    assert_eq!(
        read(&site, EDITOR_ID, "index.php"),
        expected,
        "refused changes write nothing"
    );
}

#[tokio::test]
async fn the_last_admin_stays_an_admin() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let index = read(&site, ADMIN_ID, "index.php");
    let reply = admin.json("DELETE", "/api/account", json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(key(&reply), "error.user.delete.lastAdmin");
    let reply = admin
        .json("PATCH", "/api/account/role", json!({"role": "editor"}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(key(&reply), "error.user.changeRole.lastAdmin");
    assert_eq!(read(&site, ADMIN_ID, "index.php"), index);

    // With a second admin the demotion works.
    let reply = admin
        .json(
            "PATCH",
            &format!("/api/users/{EDITOR_ID}/role"),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = admin
        .json("PATCH", "/api/account/role", json!({"role": "editor"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(read(&site, ADMIN_ID, "index.php").contains("'role' => 'editor'"));
}

#[tokio::test]
async fn non_admins_cannot_promote_or_manage_accounts() {
    let site = TestSite::new();
    let mut editor = logged_in(&site, EDITOR).await;
    let reply = editor
        .json("PATCH", "/api/account/role", json!({"role": "admin"}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(key(&reply), "error.user.changeRole.toAdmin");

    let mut client = logged_in(&site, CLIENT).await;
    let reply = client
        .json(
            "PATCH",
            "/api/account/email",
            json!({"email": "other@example.com"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(key(&reply), "error.user.changeEmail.permission");
    assert_eq!(
        reply.json()["message"],
        "You are not allowed to change the email for the user \"Cleo Client\""
    );
    for (method, path, body, expected) in [
        (
            "PATCH",
            "/api/account/password",
            json!({"password": "another-pass-1"}),
            "error.user.changePassword.permission",
        ),
        (
            "PATCH",
            "/api/account/name",
            json!({"name": "Other"}),
            "error.user.changeName.permission",
        ),
        (
            "PATCH",
            "/api/account",
            json!({"city": "Oslo"}),
            "error.user.update.permission",
        ),
        (
            "DELETE",
            "/api/account",
            json!({}),
            "error.user.delete.permission",
        ),
    ] {
        let reply = client.json(method, path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.text
        );
        assert_eq!(key(&reply), expected, "{path}");
    }
    assert!(account(&site, CLIENT_ID).exists());
}

#[tokio::test]
async fn deleting_a_user_removes_the_folder() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let reply = admin
        .json("DELETE", &format!("/api/users/{CLIENT_ID}"), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"status": "ok", "message": "ok", "code": 200})
    );
    assert!(!account(&site, CLIENT_ID).exists());
    let mut expected = vec![ADMIN_ID.to_owned(), EDITOR_ID.to_owned()];
    expected.sort();
    assert_eq!(account_ids(&site), expected);
    let reply = admin.get(&format!("/api/users/{CLIENT_ID}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(key(&reply), "error.user.notFound");
}

#[tokio::test]
async fn changing_your_own_password_keeps_only_your_session() {
    let site = TestSite::new();
    let mut other_device = logged_in(&site, EDITOR).await;
    // Sessions are void when they started before the password file's mtime
    // (whole seconds), so the change must happen in a later second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut me = logged_in(&site, EDITOR).await;
    let reply = me
        .json(
            "PATCH",
            "/api/account/password",
            json!({"password": "changed-pass-42"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.headers.get("set-cookie").is_some(),
        "the session is re-issued"
    );
    assert_eq!(me.get("/api/account").await.status, StatusCode::OK);
    assert_eq!(
        other_device.get("/api/account").await.status,
        StatusCode::UNAUTHORIZED
    );

    let mut fresh = site.client();
    let old = fresh
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": EDITOR.0, "password": EDITOR.1}),
        )
        .await;
    assert_eq!(old.status, StatusCode::FORBIDDEN);
    fresh.login((EDITOR.0, "changed-pass-42")).await;
}
