//! `select` in its PHP array form (api.md §2.5): plain entries pick
//! fields, a keyed string a sub-view, a keyed array sub-fields.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{ADMIN, Client, TestSite};

const PAGE: &str = "/api/pages/projects+lighthouse";
const EDITOR: &str = "/api/users/fdJlnth1";

async fn admin(site: &TestSite) -> Client {
    let mut client = site.client();
    client.login(ADMIN).await;
    client
}

async fn data(client: &mut Client, path: &str) -> Value {
    let reply = client.get(path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply.json()["data"].clone()
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn plain_entries_pick_fields_on_pages_and_users() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let page = data(&mut client, &format!("{PAGE}?select[]=id&select[]=title")).await;
    assert_eq!(keys(&page), ["id", "title"]);
    assert_eq!(page["id"], "projects/lighthouse");
    let encoded = data(&mut client, &format!("{PAGE}?select%5B%5D=slug")).await;
    assert_eq!(keys(&encoded), ["slug"]);
    let user = data(&mut client, &format!("{EDITOR}?select[]=email&select[]=id")).await;
    assert_eq!(
        user,
        json!({"email": "editor@example.com", "id": "fdJlnth1"})
    );
}

#[tokio::test]
async fn keyed_arrays_pick_sub_fields_and_keyed_strings_sub_views() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let fields = data(
        &mut client,
        &format!("{PAGE}?select[]=id&select[parent][]=id"),
    )
    .await;
    assert_eq!(
        fields,
        json!({"id": "projects/lighthouse", "parent": {"id": "projects"}})
    );
    let view = data(&mut client, &format!("{PAGE}?select[parent]=compact")).await;
    assert_eq!(keys(&view["parent"]), ["id", "num", "title", "url", "uuid"]);
    let role = data(&mut client, &format!("{EDITOR}?select[role][]=name")).await;
    assert_eq!(role, json!({"role": {"name": "editor"}}));
    let items = client
        .get("/api/pages/projects/children?select[]=id&select[parent][]=slug")
        .await
        .json();
    let first = &items["data"][0];
    assert_eq!(keys(first), ["id", "parent"]);
    assert_eq!(first["parent"], json!({"slug": "projects"}));
}

#[tokio::test]
async fn the_any_sub_view_is_refused() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    for path in [
        format!("{PAGE}?select[parent]=any"),
        format!("{EDITOR}?select[role]=any"),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        assert_eq!(reply.json()["message"], "Invalid sub view: \"any\"");
        assert_eq!(reply.json()["key"], "error.invalidArgument");
    }
    let replaced = format!("{PAGE}?select[parent]=any&select[parent][]=id");
    assert_eq!(
        data(&mut client, &replaced).await,
        json!({"parent": {"id": "projects"}})
    );
}

/// PHP arrays cannot hold a key twice: a field named twice in `select`
/// is answered once, at its sorted place, also for nested models.
#[tokio::test]
async fn a_field_selected_twice_is_answered_once() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    for path in [
        format!("{PAGE}?select=title,id,title"),
        format!("{PAGE}?select=title,%20title,id"),
        format!("{PAGE}?select[]=id&select[]=title&select[]=title"),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(
            reply.text.matches("\"title\":").count(),
            1,
            "{path}: {}",
            reply.text
        );
        assert!(
            reply
                .text
                .contains(r#""data":{"id":"projects\/lighthouse","title":"#),
            "{}",
            reply.text
        );
    }
    let list = client
        .get("/api/pages/projects/children?select=id,id")
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(
        !list.text.contains(r#""id":"projects\/lighthouse","id""#),
        "{}",
        list.text
    );
    assert!(
        list.text.contains(r#"{"id":"projects\/lighthouse"}"#),
        "{}",
        list.text
    );
}
