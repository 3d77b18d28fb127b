//! Kirby 4 content locks: `.lock` files beside the content, per model.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{ADMIN, Client, EDITOR, TestSite};

const ADMIN_ID: &str = "L3TKdhXx";
const EDITOR_ID: &str = "fdJlnth1";
const OK: fn() -> Value = || json!({"status": "ok", "message": "ok", "code": 200});

async fn logged_in(site: &TestSite, who: (&str, &str)) -> Client {
    let mut client = site.client();
    client.login(who).await;
    client
}

fn lock_file(site: &TestSite, dir: &str) -> Option<String> {
    std::fs::read_to_string(site.root().join(dir).join(".lock")).ok()
}

#[tokio::test]
async fn a_lock_is_shown_to_others_and_taken_over_by_unlock() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let mut editor = logged_in(&site, EDITOR).await;
    let lock = "/api/pages/projects+lighthouse/lock";

    assert_eq!(admin.json("PATCH", lock, json!({})).await.json(), OK());
    let text =
        lock_file(&site, "content/1_projects/1_lighthouse").expect("the lock file is written");
    let (head, time) = text.rsplit_once("time: ").unwrap();
    assert_eq!(
        head,
        format!("/projects/lighthouse:\n  lock:\n    user: {ADMIN_ID}\n    ")
    );
    assert!(
        time.trim_end()
            .parse::<i64>()
            .is_ok_and(|t| t > 1_700_000_000),
        "{text}"
    );

    assert_eq!(
        admin.get(lock).await.json(),
        json!({"lock": {"state": null, "data": false}})
    );
    let seen = editor.get(lock).await.json();
    assert_eq!(seen["lock"]["state"], json!("lock"));
    assert_eq!(seen["lock"]["data"]["user"], json!(ADMIN_ID));
    assert_eq!(seen["lock"]["data"]["email"], json!("admin@example.com"));
    assert_eq!(seen["lock"]["data"]["unlockable"], json!(false));

    let taken = editor.json("PATCH", lock, json!({})).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        taken.json()["message"],
        json!("/projects/lighthouse is already locked")
    );
    assert_eq!(taken.json()["key"], json!("error.duplicate"));
    assert_eq!(
        editor.json("DELETE", lock, json!({})).await.status,
        StatusCode::CONFLICT
    );

    assert_eq!(
        editor
            .json("PATCH", "/api/pages/projects+lighthouse/unlock", json!({}))
            .await
            .json(),
        OK()
    );
    assert_eq!(
        lock_file(&site, "content/1_projects/1_lighthouse").unwrap(),
        format!("/projects/lighthouse:\n  unlock:\n    - {ADMIN_ID}\n")
    );
    assert_eq!(
        editor.get(lock).await.json(),
        json!({"lock": {"state": null, "data": false}})
    );
    assert_eq!(
        admin.get(lock).await.json(),
        json!({"lock": {"state": "unlock", "data": false}})
    );

    assert_eq!(
        admin
            .json("DELETE", "/api/pages/projects+lighthouse/unlock", json!({}))
            .await
            .json(),
        OK()
    );
    assert_eq!(lock_file(&site, "content/1_projects/1_lighthouse"), None);
}

#[tokio::test]
async fn own_locks_come_and_go() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    assert_eq!(
        admin
            .json("PATCH", "/api/site/lock", json!({}))
            .await
            .json(),
        OK()
    );
    assert!(
        lock_file(&site, "content")
            .unwrap()
            .starts_with(&format!("/:\n  lock:\n    user: {ADMIN_ID}\n"))
    );
    assert_eq!(
        admin
            .json("PATCH", "/api/site/lock", json!({}))
            .await
            .json(),
        OK()
    );
    assert_eq!(
        admin
            .json("DELETE", "/api/site/lock", json!({}))
            .await
            .json(),
        OK()
    );
    assert_eq!(lock_file(&site, "content"), None);
    assert_eq!(
        admin
            .json("DELETE", "/api/site/lock", json!({}))
            .await
            .json(),
        OK()
    );
    assert_eq!(
        admin
            .json("PATCH", "/api/site/unlock", json!({}))
            .await
            .json(),
        OK()
    );
    assert_eq!(lock_file(&site, "content"), None);
}

#[tokio::test]
async fn files_and_users_lock_in_their_folders() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let file = "/api/pages/projects+lighthouse/files/beam.jpg/lock";
    assert_eq!(admin.json("PATCH", file, json!({})).await.json(), OK());
    assert!(
        lock_file(&site, "content/1_projects/1_lighthouse")
            .unwrap()
            .starts_with("/projects/lighthouse/beam.jpg:\n")
    );
    assert_eq!(
        admin
            .json("PATCH", &format!("/api/users/{EDITOR_ID}/lock"), json!({}))
            .await
            .json(),
        OK()
    );
    let account = format!("site/accounts/{EDITOR_ID}");
    assert!(
        lock_file(&site, &account)
            .unwrap()
            .starts_with(&format!("/{EDITOR_ID}:\n"))
    );

    let mut editor = logged_in(&site, EDITOR).await;
    assert_eq!(
        editor.get("/api/account/lock").await.json()["lock"]["state"],
        json!("lock")
    );
    assert_eq!(
        editor.get(file).await.json()["lock"]["data"]["user"],
        json!(ADMIN_ID)
    );
}

#[tokio::test]
async fn unknown_models_are_reported_like_kirby() {
    let site = TestSite::new();
    let mut admin = logged_in(&site, ADMIN).await;
    let reply = admin.get("/api/pages/nope/lock").await;
    assert_eq!(
        (reply.status, reply.json()["key"].clone()),
        (StatusCode::NOT_FOUND, json!("error.page.notFound"))
    );
    let reply = admin
        .get("/api/pages/projects+lighthouse/files/nope.jpg/lock")
        .await;
    assert_eq!(reply.json()["key"], json!("error.file.notFound"));
    let reply = admin
        .json("PATCH", "/api/users/nobody12/lock", json!({}))
        .await;
    assert_eq!(reply.json()["key"], json!("error.user.undefined"));
    let reply = admin.get("/api/whatever/thing/lock").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["message"],
        json!("Invalid model type: whatever")
    );
    // Removing a lock of a missing model is nothing to do.
    assert_eq!(
        admin
            .json("DELETE", "/api/pages/nope/lock", json!({}))
            .await
            .json(),
        OK()
    );
    assert!(site.root().join("content/.lock").metadata().is_err());
    let reply = site.client().get_anonymous("/api/site/lock").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_locking_there_are_no_locks() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{}'],\n'content' => ['locking' => false],",
        crate::common::CSRF
    ));
    let mut admin = logged_in(&site, ADMIN).await;
    assert_eq!(
        admin.get("/api/site/lock").await.json(),
        json!({"lock": false})
    );
    let reply = admin.json("PATCH", "/api/site/lock", json!({})).await;
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "not found", "code": 404})
    );
    assert_eq!(lock_file(&site, "content"), None);
}
