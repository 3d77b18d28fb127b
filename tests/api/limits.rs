//! Body limits: `folio.maxBodySize` for every route, `folio.maxUploadSize`
//! for the routes that take files, each answered in Kirby's envelope with
//! nothing written.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::common::{ADMIN, CSRF, Client, TestSite};

const LIGHTHOUSE: &str = "content/1_projects/1_lighthouse";

/// A JPEG start marker padded to 3000 bytes: over the body limit, under the upload limit.
const JPEG_3000: [u8; 3000] = {
    let mut bytes = [b'a'; 3000];
    bytes[0] = 0xff;
    bytes[1] = 0xd8;
    bytes[2] = 0xff;
    bytes
};

fn small_limits() -> TestSite {
    TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'],\n'folio' => ['maxBodySize' => 1000, 'maxUploadSize' => 5000],"
    ))
}

fn multipart(filename: &str, bytes: &[u8]) -> Body {
    let mut body = format!(
        "--B0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--B0und--\r\n");
    Body::from(body)
}

async fn post_multipart(client: &mut Client, path: &str, body: Body) -> crate::common::Reply {
    let request = Request::post(path)
        .header("x-csrf", CSRF)
        .header("content-type", "multipart/form-data; boundary=B0und")
        .body(body)
        .unwrap();
    client.send(request).await
}

#[tokio::test]
async fn a_json_body_over_the_limit_is_refused_and_nothing_changes() {
    let site = small_limits();
    let mut client = site.client();
    client.login(ADMIN).await;
    let file = site.root().join(LIGHTHOUSE).join("project.txt");
    let before = std::fs::read(&file).unwrap();

    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse",
            json!({"text": "x".repeat(2000)}),
        )
        .await;

    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text
    );
    let body = reply.json();
    assert_eq!(body["status"], "error");
    assert_eq!(body["details"]["limit"], 1000);
    assert_eq!(std::fs::read(&file).unwrap(), before);

    let small = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse",
            json!({"text": "short"}),
        )
        .await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.text);
}

#[tokio::test]
async fn uploads_get_their_own_limit() {
    let site = small_limits();
    let mut client = site.client();
    client.login(ADMIN).await;

    // Over the body limit but within the upload limit: accepted.
    let fits = post_multipart(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        multipart("fits.jpg", &JPEG_3000),
    )
    .await;
    assert_eq!(fits.status, StatusCode::OK, "{}", fits.text);
    assert!(site.root().join(LIGHTHOUSE).join("fits.jpg").exists());

    let too_big = post_multipart(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        multipart("big.jpg", &[0xff; 6000]),
    )
    .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_big.json()["details"]["limit"], 5000);
    assert!(!site.root().join(LIGHTHOUSE).join("big.jpg").exists());
}

#[tokio::test]
async fn a_multipart_body_to_another_route_keeps_the_small_limit() {
    let site = small_limits();
    let mut client = site.client();
    let reply = post_multipart(
        &mut client,
        "/api/auth/login",
        multipart("x.txt", &[b'a'; 3000]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["details"]["limit"], 1000);
}

#[tokio::test]
async fn a_body_with_too_many_fields_is_refused_and_nothing_changes() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let file = site.root().join(LIGHTHOUSE).join("project.txt");
    let before = std::fs::read(&file).unwrap();

    let many: serde_json::Map<String, serde_json::Value> = (0
        ..=folio::api::request::MAX_BODY_FIELDS)
        .map(|n| (format!("k{n}"), json!("v")))
        .collect();
    let reply = client
        .json("PATCH", "/api/pages/projects+lighthouse", many.into())
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(
        reply.json()["details"]["limit"],
        folio::api::request::MAX_BODY_FIELDS
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}
