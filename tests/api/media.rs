//! `/media/…`: the file URLs the API hands out serve the files themselves,
//! and nothing else.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::common::{ADMIN, TestSite};

const BEAM: &str = "content/1_projects/1_lighthouse/beam.jpg";

/// The path part of the `url` the API gives for the lighthouse's `beam.jpg`.
async fn beam_path(site: &TestSite) -> String {
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client
        .get("/api/pages/projects+lighthouse/files/beam.jpg")
        .await;
    let url = reply.json()["data"]["url"].as_str().unwrap().to_owned();
    let path = url.split_once("/media/").unwrap().1;
    format!("/media/{path}")
}

#[tokio::test]
async fn a_file_url_from_the_api_serves_the_file() {
    let site = TestSite::new();
    let path = beam_path(&site).await;
    let mut visitor = site.client();

    let reply = visitor.get_anonymous(&path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}");
    assert_eq!(reply.headers["content-type"], "image/jpeg");
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    let on_disk = std::fs::read(site.root().join(BEAM)).unwrap();
    assert_eq!(reply.headers["content-length"], on_disk.len().to_string());
    assert_eq!(
        reply.text.as_bytes(),
        String::from_utf8_lossy(&on_disk).as_bytes()
    );

    let head = visitor
        .send(Request::head(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.text.is_empty());
}

#[tokio::test]
async fn stale_guessed_and_escaping_media_paths_are_not_found() {
    let site = TestSite::new();
    let path = beam_path(&site).await;
    let (folder, _) = path.rsplit_once('/').unwrap();
    let mut visitor = site.client();

    let wrong_hash = path
        .replace("/beam.jpg", "")
        .replace(folder.rsplit_once('/').unwrap().1, "0000000000-1")
        + "/beam.jpg";
    for bad in [
        wrong_hash,
        format!("{folder}/project.txt"),
        format!("{folder}/beam.jpg.txt"),
        format!("{folder}/../../../../../site/accounts/admin/.htpasswd"),
        format!("{folder}/beam-38x.jpg"),
        "/media/pages/../../content/1_projects/1_lighthouse/beam.jpg".into(),
        "/media/site/x/beam.jpg".into(),
        "/media/".into(),
    ] {
        let reply = visitor.get_anonymous(&bad).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
    }
}
