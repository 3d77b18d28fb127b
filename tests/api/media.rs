//! `/media/…`: the file URLs the API hands out serve the files themselves,
//! and nothing else.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::common::{ADMIN, Client, TestSite};
use crate::files::upload;

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
        format!("{folder}/beam-38x-wobble.jpg"),
        format!("{folder}/beam-0x.jpg"),
        "/media/pages/../../content/1_projects/1_lighthouse/beam.jpg".into(),
        "/media/site/x/beam.jpg".into(),
        "/media/".into(),
    ] {
        let reply = visitor.get_anonymous(&bad).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

/// A real 600×300 PNG.
fn png() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(600, 300, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap();
    bytes.into_inner()
}

fn media_path(url: &str) -> String {
    format!("/media/{}", url.split_once("/media/").unwrap().1)
}

async fn fetch_image(client: &mut Client, url: &str) -> image::DynamicImage {
    let request = Request::get(media_path(url)).body(Body::empty()).unwrap();
    let response = folio_bytes(client, request).await;
    image::load_from_memory(&response).expect("a decodable image")
}

/// The raw bytes of an answer (the test client keeps text only).
async fn folio_bytes(client: &mut Client, request: Request<Body>) -> Vec<u8> {
    let reply = client.send_raw(request).await;
    assert_eq!(reply.0, StatusCode::OK);
    reply.1
}

#[tokio::test]
async fn the_thumbs_of_an_image_are_rendered_at_their_sizes() {
    let site = TestSite::new();
    let mut admin = site.client();
    admin.login(ADMIN).await;
    let uploaded = upload(
        &mut admin,
        "/api/pages/projects+lighthouse/files",
        &[("file", "wide.png", &png())],
        &[],
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let file = admin
        .get("/api/pages/projects+lighthouse/files/wide.png?select=thumbs,url")
        .await
        .json();
    let thumbs = &file["data"]["thumbs"];
    assert!(
        thumbs["tiny"].as_str().unwrap().ends_with("/wide-128x.png"),
        "{thumbs}"
    );

    let mut visitor = site.client();
    let small = fetch_image(&mut visitor, thumbs["small"].as_str().unwrap()).await;
    assert_eq!((small.width(), small.height()), (256, 128));
    let huge = fetch_image(&mut visitor, thumbs["huge"].as_str().unwrap()).await;
    assert_eq!((huge.width(), huge.height()), (600, 300), "never upscaled");

    // The fixture's beam.jpg is a real 32×24 JPEG.
    let beam = admin
        .get("/api/pages/projects+lighthouse/files/beam.jpg?select=thumbs")
        .await
        .json();
    let tiny = fetch_image(
        &mut visitor,
        beam["data"]["thumbs"]["tiny"].as_str().unwrap(),
    )
    .await;
    assert_eq!((tiny.width(), tiny.height()), (32, 24));

    // A file that only claims to be a JPEG has thumb URLs, but no version
    // can be rendered from it.
    let fake = upload(
        &mut admin,
        "/api/pages/projects+lighthouse/files",
        &[("file", "fake.jpg", b"\xff\xd8\xff\xe0 not a real jpeg")],
        &[],
    )
    .await;
    assert_eq!(fake.status, StatusCode::OK, "{}", fake.text);
    let fake = admin
        .get("/api/pages/projects+lighthouse/files/fake.jpg?select=thumbs")
        .await
        .json();
    let broken = media_path(fake["data"]["thumbs"]["tiny"].as_str().unwrap());
    assert_eq!(
        visitor.get_anonymous(&broken).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_avatar_is_served_as_its_square_crop() {
    let site = TestSite::new();
    let mut admin = site.client();
    admin.login(ADMIN).await;
    let me = admin.get("/api/auth").await.json();
    let id = me["data"]["id"].as_str().unwrap().to_owned();
    let uploaded = upload(
        &mut admin,
        &format!("/api/users/{id}/avatar"),
        &[("file", "me.png", &png())],
        &[],
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let user = admin.get(&format!("/api/users/{id}")).await.json();
    let avatar_url = user["data"]["avatar"]["url"].as_str().unwrap().to_owned();
    assert!(avatar_url.ends_with("-512x-crop.png"), "{avatar_url}");
    let avatar = fetch_image(&mut site.client(), &avatar_url).await;
    assert_eq!(
        (avatar.width(), avatar.height()),
        (300, 300),
        "a square, never upscaled"
    );
}
