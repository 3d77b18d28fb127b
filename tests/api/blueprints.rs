//! Blueprint and section routes: `…/blueprint` and `…/sections/<name>`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{ADMIN, TestSite};

async fn admin_get(site: &TestSite, path: &str) -> (StatusCode, Value) {
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client.get(path).await;
    (reply.status, reply.json())
}

#[tokio::test]
async fn the_site_blueprint_has_a_main_tab_with_its_fields() {
    let site = TestSite::new();
    let (status, body) = admin_get(&site, "/api/site/blueprint").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data = &body["data"];
    assert_eq!(data["name"], "site");
    assert_eq!(data["title"], "Fixture Site");
    assert_eq!(
        data["options"],
        json!({"access": null, "changeTitle": null, "update": null})
    );
    let tab = &data["tabs"][0];
    assert_eq!(tab["name"], "main");
    assert_eq!(tab["link"], "/site/?tab=main");
    let fields = &tab["columns"][0]["sections"]["main-fields"]["fields"];
    assert_eq!(
        fields["description"],
        json!({"label": "Description", "type": "text", "name": "description", "width": "1/1"})
    );
    assert!(data.get("status").is_none());
}

#[tokio::test]
async fn a_page_blueprint_adds_num_preview_and_status() {
    let site = TestSite::new();
    let (status, body) = admin_get(&site, "/api/pages/projects/blueprint").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data = &body["data"];
    let keys: Vec<&String> = data
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "name", "num", "options", "preview", "status", "tabs", "title"
        ]
    );
    assert_eq!(data["name"], "pages/projects");
    assert_eq!(data["num"], "default");
    assert_eq!(data["preview"], true);
    assert_eq!(data["status"]["draft"]["label"], "Draft");
    let sections = &data["tabs"][0]["columns"][0]["sections"];
    assert_eq!(sections["projects"]["type"], "pages");
    assert_eq!(data["tabs"][0]["link"], "/pages/projects/?tab=main");
    let (status, _) = admin_get(&site, "/api/pages/nope/blueprint").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_pages_section_lists_its_pages() {
    let site = TestSite::new();
    let (status, body) = admin_get(&site, "/api/pages/projects/sections/projects").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let keys: Vec<&String> = body
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "status",
            "code",
            "name",
            "type",
            "data",
            "errors",
            "options",
            "pagination"
        ]
    );
    assert_eq!(body["type"], "pages");
    let total = body["pagination"]["total"].as_u64().unwrap_or(0);
    assert!(total > 0, "{body}");
    assert_eq!(body["pagination"]["limit"], 20);
    assert_eq!(body["data"][0]["template"], "project");
    assert_eq!(body["options"]["headline"], "Projects");
    assert_eq!(body["options"]["link"], Value::Null);
    assert_eq!(body["errors"], json!([]));
}

#[tokio::test]
async fn fields_sections_and_unknown_sections() {
    let site = TestSite::new();
    let (status, body) = admin_get(&site, "/api/pages/projects/sections/intro").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "fields");
    assert_eq!(body["fields"]["text"]["type"], "textarea");
    let (status, body) = admin_get(&site, "/api/pages/projects/sections/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"status": "error", "message": "not found", "code": 404})
    );
}

#[tokio::test]
async fn the_account_blueprint_links_to_the_account() {
    let site = TestSite::new();
    let (status, body) = admin_get(&site, "/api/account/blueprint").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["tabs"][0]["link"], "/account/?tab=main");
    assert!(body["data"]["options"].get("changeRole").is_some());
}

#[tokio::test]
async fn blueprints_need_a_login() {
    let site = TestSite::new();
    let reply = site.client().get_anonymous("/api/site/blueprint").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// A pages section on a page with many children: the status, template and
/// flip props pick from the parent's index, and `limit` pages through it.
#[tokio::test]
async fn a_pages_section_filters_flips_and_pages_through_many_children() {
    let mut site = TestSite::new();
    let root = site.root().to_owned();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "site/blueprints/pages/shelf.yml",
        "title: Shelf\nsections:\n  books:\n    type: pages\n    status: listed\n    \
         templatesIgnore: hidden\n    flip: true\n    limit: 2\n",
    );
    write("content/9_shelf/shelf.txt", "Title: Shelf");
    for n in 1..=300 {
        // Every tenth page has the ignored template, every 50th is unlisted.
        let template = if n % 10 == 0 { "hidden" } else { "book" };
        let folder = if n % 50 == 7 {
            format!("book-{n}")
        } else {
            format!("{n}_book-{n}")
        };
        write(
            &format!("content/9_shelf/{folder}/{template}.txt"),
            &format!("Title: Book {n}"),
        );
    }
    site.app = folio::app::App::open(&root).unwrap();

    let (status, body) = admin_get(&site, "/api/pages/shelf/sections/books").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 300 pages, minus 30 hidden, minus the 6 unlisted ones (7, 57, …, 257).
    assert_eq!(body["pagination"]["total"], 264, "{}", body["pagination"]);
    assert_eq!(
        item_ids(&body),
        ["shelf/book-299", "shelf/book-298"],
        "flipped"
    );

    let (status, body) = admin_get(&site, "/api/pages/shelf/sections/books?page=132").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        item_ids(&body),
        ["shelf/book-2", "shelf/book-1"],
        "the last page"
    );
    let (status, _) = admin_get(&site, "/api/pages/shelf/sections/books?page=133").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The ids of a section answer's items, in order.
fn item_ids(body: &Value) -> Vec<&str> {
    let items = body["data"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    items
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect()
}
