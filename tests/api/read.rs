//! Reading pages, the site and users.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{ADMIN, TestSite};

#[tokio::test]
async fn anonymous_reads_are_refused_with_kirbys_envelope() {
    let site = TestSite::new();
    let reply = site.client().get_anonymous("/api/pages/projects").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "Unauthenticated", "code": 401, "key": "error.auth", "details": []})
    );
}

#[tokio::test]
async fn a_page_reads_in_the_model_envelope() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client
        .get("/api/pages/projects+lighthouse?select=id,num,status,template")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"code": 200, "data": {"id": "projects/lighthouse", "num": 1, "status": "listed", "template": "project"}, "status": "ok", "type": "model"})
    );
}

#[tokio::test]
async fn without_a_host_header_urls_use_the_requests_authority() {
    // HTTP/2 sends the host as `:authority`, which arrives as the URI's
    // authority and no `Host` header.
    let site = TestSite::new();
    let mut client = site.client();
    client.login(crate::common::ADMIN).await;
    let request = axum::http::Request::get("http://example.test:8443/api/site?select=url")
        .header("x-csrf", crate::common::CSRF)
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = client.send(request).await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["url"], "http://example.test:8443");
}

#[tokio::test]
async fn an_unknown_view_of_a_model_without_a_default_is_the_clients_mistake() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client.get("/api/roles/admin?view=bogus").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.json()["message"], "The view \"bogus\" does not exist");
    // Models with a default view fall back to it, as in Kirby.
    let page = client.get("/api/pages/projects?view=bogus").await;
    assert_eq!(page.status, StatusCode::OK);
}
