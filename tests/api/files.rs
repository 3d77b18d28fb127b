//! File writes and avatars: uploads (with Kirby's upload envelope and
//! rules), meta updates, renames, sorting, deletes, and what each leaves
//! on disk.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::common::{ADMIN, CLIENT, CSRF, Client, TestSite};

const LIGHTHOUSE: &str = "content/1_projects/1_lighthouse";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0fake jpeg bytes";

/// Sends `files` (field, file name, bytes) and `fields` as multipart.
pub async fn upload(
    client: &mut Client,
    path: &str,
    files: &[(&str, &str, &[u8])],
    fields: &[(&str, &str)],
) -> crate::common::Reply {
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--B0und\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    for (field, filename, bytes) in files {
        body.extend(
            format!("--B0und\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(b"--B0und--\r\n");
    let request = Request::post(path)
        .header("x-csrf", CSRF)
        .header("content-type", "multipart/form-data; boundary=B0und")
        .body(Body::from(body))
        .unwrap();
    client.send(request).await
}

async fn admin(site: &TestSite) -> Client {
    let mut client = site.client();
    client.login(ADMIN).await;
    client
}

fn read(site: &TestSite, path: &str) -> String {
    std::fs::read_to_string(site.root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn an_upload_writes_the_file_and_a_uuid_meta_file() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "Grüße Bild.JPG", JPEG)],
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    assert!(body.get("code").is_none() && body.get("type").is_none());
    assert_eq!(body["data"]["filename"], "grusse-bild.jpg");
    assert_eq!(body["data"]["content"]["sort"], json!(null));
    assert_eq!(body["data"]["next"], json!(null));
    assert_eq!(body["data"]["prev"]["filename"], "sketch.png");
    assert_eq!(
        std::fs::read(site.root().join(LIGHTHOUSE).join("grusse-bild.jpg")).unwrap(),
        JPEG
    );
    let meta = read(&site, &format!("{LIGHTHOUSE}/grusse-bild.jpg.txt"));
    let uuid = meta.strip_prefix("Uuid: ").expect("only a Uuid field");
    assert_eq!(uuid.len(), 16);
    assert_eq!(body["data"]["uuid"], format!("file://{uuid}"));
    let listed = client
        .get("/api/pages/projects+lighthouse/files?select=filename")
        .await
        .json();
    assert_eq!(listed["pagination"]["total"], 3);
}

#[tokio::test]
async fn sort_and_template_go_into_the_meta_file() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let reply = upload(
        &mut client,
        "/api/site/files",
        &[("file", "logo.jpg", JPEG)],
        &[("sort", "4"), ("template", "image")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let meta = read(&site, "content/logo.jpg.txt");
    assert!(
        meta.starts_with("Sort: 4\n\n----\n\nTemplate: image\n\n----\n\nUuid: "),
        "{meta}"
    );
    assert_eq!(reply.json()["data"]["template"], "image");
}

#[tokio::test]
async fn a_plain_drawing_svg_is_taken() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let drawing = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
        viewBox=\"0 0 2 2\"><style>rect{fill:url(#g)}</style><rect width=\"2\" height=\"2\"/></svg>";
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "drawing.svg", drawing)],
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        read(&site, &format!("{LIGHTHOUSE}/drawing.svg")).as_bytes(),
        drawing
    );
}

#[tokio::test]
async fn forbidden_uploads_answer_in_the_upload_envelope_and_write_nothing() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let before = std::fs::read_dir(site.root().join(LIGHTHOUSE))
        .unwrap()
        .count();
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "evil.php",
            b"<?php echo 1;",
            "You are not allowed to upload PHP files",
        ),
        (
            "page.html",
            b"<html>",
            "You are not allowed to upload HTML files",
        ),
        (
            ".htaccess",
            b"Deny from all",
            "You are not allowed to upload Apache config files",
        ),
        (
            "notes.txt",
            b"Title: x",
            "The extension \"txt\" is not allowed",
        ),
        (
            "sneaky.jpg",
            b"<?php system('x');",
            "You are not allowed to upload PHP files",
        ),
        (
            "x.svg",
            b"<svg><script>alert(1)</script></svg>",
            "The \"script\" element (line 1) is not allowed",
        ),
        (
            "ns.svg",
            b"<svg><x:script xmlns:x=\"http://www.w3.org/2000/svg\">1</x:script></svg>",
            "The \"x:script\" element (line 1) is not allowed",
        ),
        (
            "link.svg",
            b"<svg>\n<a href=\"&#106;avascript:alert(1)\"/></svg>",
            "The URL is not allowed in attribute \"href\" (line 2)",
        ),
        (
            "xxe.svg",
            b"<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg>&x;</svg>",
            "The doctype must not define a subset",
        ),
        (
            "packed.svgz",
            b"\x1f\x8b\x08\x00",
            "Compressed SVG files (.svgz) are not supported, please upload an uncompressed .svg file",
        ),
    ];
    for (name, bytes, message) in cases {
        let reply = upload(
            &mut client,
            "/api/pages/projects+lighthouse/files",
            &[("file", name, bytes)],
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(
            reply.json(),
            json!({"status": "error", "message": message}),
            "{name}"
        );
    }
    let none = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[],
        &[("x", "1")],
    )
    .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.json()["status"], "error");
    assert_eq!(
        std::fs::read_dir(site.root().join(LIGHTHOUSE))
            .unwrap()
            .count(),
        before
    );
}

#[tokio::test]
async fn a_name_taken_by_other_bytes_is_a_duplicate_but_the_same_bytes_pass() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let path = "/api/pages/projects+lighthouse/files";
    let original = std::fs::read(site.root().join(LIGHTHOUSE).join("beam.jpg")).unwrap();
    let reply = upload(&mut client, path, &[("file", "beam.jpg", JPEG)], &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["message"],
        "A file with the name \"beam.jpg\" already exists"
    );
    assert_eq!(
        std::fs::read(site.root().join(LIGHTHOUSE).join("beam.jpg")).unwrap(),
        original
    );
    let again = upload(&mut client, path, &[("file", "beam.jpg", &original)], &[]).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert!(read(&site, &format!("{LIGHTHOUSE}/beam.jpg.txt")).contains("Uuid: gOirwi8BHLN07JBJ"));
}

#[tokio::test]
async fn several_parts_answer_per_name_and_keep_the_good_ones() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let files: &[(&str, &str, &[u8])] = &[("a", "good.jpg", JPEG), ("b", "bad.php", b"<?php")];
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        files,
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "errors": {"bad.php": "You are not allowed to upload PHP files"}})
    );
    assert!(site.root().join(LIGHTHOUSE).join("good.jpg").exists());
}

#[tokio::test]
async fn a_read_only_role_may_not_upload() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(CLIENT).await;
    let reply = upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "a.jpg", JPEG)],
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "The file cannot be created"})
    );
    assert!(!site.root().join(LIGHTHOUSE).join("a.jpg").exists());
    let delete = client
        .send(
            Request::delete("/api/pages/projects+lighthouse/files/beam.jpg")
                .header("x-csrf", CSRF)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    assert!(site.root().join(LIGHTHOUSE).join("beam.jpg").exists());
}

#[tokio::test]
async fn updating_meta_merges_into_the_meta_file() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/beam.jpg",
            json!({"alt": "New alt", "credit": 5}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["content"]["alt"], "New alt");
    let meta = read(&site, &format!("{LIGHTHOUSE}/beam.jpg.txt"));
    assert!(meta.starts_with("Alt: New alt\n\n----\n\nTemplate: image\n\n----\n\nUuid: gOirwi8BHLN07JBJ\n\n----\n\nCredit: 5"), "{meta}");
    let malformed = client
        .send(
            Request::patch("/api/pages/projects+lighthouse/files/beam.jpg")
                .header("x-csrf", CSRF)
                .header("content-type", "application/json")
                .body(Body::from("{oops"))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(read(&site, &format!("{LIGHTHOUSE}/beam.jpg.txt")), meta);
}

#[tokio::test]
async fn renaming_moves_the_file_and_its_meta_file() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let meta = read(&site, &format!("{LIGHTHOUSE}/beam.jpg.txt"));
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/beam.jpg/name",
            json!({"name": "Night Beam"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["filename"], "night-beam.jpg");
    assert_eq!(
        read(&site, &format!("{LIGHTHOUSE}/night-beam.jpg.txt")),
        meta
    );
    assert!(!site.root().join(LIGHTHOUSE).join("beam.jpg").exists());
    let taken = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/night-beam.jpg/name",
            json!({"name": "sketch"}),
        )
        .await;
    // sketch.png has another extension, so night-beam → sketch.jpg is free
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.text);
    let empty = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/sketch.jpg/name",
            json!({"name": "  "}),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.json()["key"], "error.file.changeName.empty");
}

#[tokio::test]
async fn renaming_onto_an_existing_file_is_refused() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    upload(
        &mut client,
        "/api/pages/projects+lighthouse/files",
        &[("file", "other.jpg", JPEG)],
        &[],
    )
    .await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/other.jpg/name",
            json!({"name": "beam"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["key"], "error.file.duplicate");
    assert!(site.root().join(LIGHTHOUSE).join("other.jpg").exists());
}

#[tokio::test]
async fn sorting_writes_sort_numbers_and_needs_an_index() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let path = "/api/pages/projects+lighthouse/files/sort";
    let missing = client
        .json(
            "PATCH",
            path,
            json!({"files": ["projects/lighthouse/sketch.png"]}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let reply = client.json("PATCH", path, json!({"files": ["projects/lighthouse/sketch.png", "beam.jpg", "projects/lighthouse/beam.jpg"], "index": 0})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let names: Vec<_> = reply.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("beam.jpg"), json!("sketch.png")],
        "the previous order"
    );
    assert!(read(&site, &format!("{LIGHTHOUSE}/sketch.png.txt")).ends_with("Sort: 1"));
    assert!(read(&site, &format!("{LIGHTHOUSE}/beam.jpg.txt")).ends_with("Sort: 2"));
}

#[tokio::test]
async fn deleting_removes_file_and_meta() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let request = Request::delete("/api/pages/projects+lighthouse/files/beam.jpg")
        .header("x-csrf", CSRF)
        .body(Body::empty())
        .unwrap();
    let reply = client.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(!site.root().join(LIGHTHOUSE).join("beam.jpg").exists());
    assert!(!site.root().join(LIGHTHOUSE).join("beam.jpg.txt").exists());
    assert_eq!(
        client
            .get("/api/pages/projects+lighthouse/files/beam.jpg")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn avatars_are_stored_as_profile_images() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let dir = site.root().join("site/accounts/fdJlnth1");
    let path = "/api/users/fdJlnth1/avatar";
    let refused = upload(&mut client, path, &[("file", "cv.pdf", b"%PDF-1.4")], &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json(),
        json!({"status": "error", "message": "Invalid file type: document"})
    );
    let reply = upload(&mut client, path, &[("file", "Me.JPG", JPEG)], &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["filename"], "profile.jpg");
    assert_eq!(std::fs::read(dir.join("profile.jpg")).unwrap(), JPEG);
    let meta = std::fs::read_to_string(dir.join("profile.jpg.txt")).unwrap();
    assert!(
        meta.starts_with("Uuid: ") && meta.ends_with("\n\n----\n\nTemplate: avatar"),
        "{meta}"
    );
    let png = b"\x89PNG\r\n\x1a\nfake";
    assert_eq!(
        upload(&mut client, path, &[("file", "me.png", png)], &[])
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        dir.join("profile.png").exists()
            && !dir.join("profile.jpg").exists()
            && !dir.join("profile.jpg.txt").exists()
    );
    let delete = Request::delete(path)
        .header("x-csrf", CSRF)
        .body(Body::empty())
        .unwrap();
    assert_eq!(client.send(delete).await.status, StatusCode::OK);
    assert!(!dir.join("profile.png").exists() && !dir.join("profile.png.txt").exists());
    let again = Request::delete(path)
        .header("x-csrf", CSRF)
        .body(Body::empty())
        .unwrap();
    let again = client.send(again).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(
        again.json()["message"],
        "The file \"avatar\" cannot be found"
    );
}

#[tokio::test]
async fn replacing_needs_the_same_mime_type() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let path = "/api/pages/projects+lighthouse/files/beam.jpg";
    let png: &[u8] = b"\x89PNG\r\n\x1a\nfake";
    let refused = upload(&mut client, path, &[("file", "x.png", png)], &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json()["message"],
        "The uploaded file must be of the same mime type \"image/jpeg\""
    );
    let reply = upload(&mut client, path, &[("file", "new.jpg", JPEG)], &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        std::fs::read(site.root().join(LIGHTHOUSE).join("beam.jpg")).unwrap(),
        JPEG
    );
    assert!(read(&site, &format!("{LIGHTHOUSE}/beam.jpg.txt")).contains("Alt: Light over water"));
}

/// File writes find the page's folder again under the writer lock: while
/// another client moves the page between listed and unlisted (which
/// renames its folder), uploads and renames of its files still land in
/// the folder the page then has, none fails on a path that is gone, and
/// the answer to a meta update shows the page as it is after the write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_writes_follow_a_folder_renamed_by_a_concurrent_status_change() {
    const ROUNDS: usize = 40;
    let site = TestSite::new();
    let mut mover = admin(&site).await;
    let mut writer = admin(&site).await;
    let moves = tokio::spawn(async move {
        for round in 0..ROUNDS {
            let body = if round % 2 == 0 {
                json!({"status": "unlisted"})
            } else {
                json!({"status": "listed", "position": 1})
            };
            let reply = mover
                .json("PATCH", "/api/pages/projects+lighthouse/status", body)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
    });
    let writes = tokio::spawn(async move {
        let mut failures = Vec::new();
        for round in 0..ROUNDS {
            let name = format!("upload-{round}.jpg");
            let files: &[(&str, &str, &[u8])] = &[("file", &name, JPEG)];
            let uploaded = upload(
                &mut writer,
                "/api/pages/projects+lighthouse/files",
                files,
                &[],
            )
            .await;
            let (from, to) = if round % 2 == 0 {
                ("beam", "ray")
            } else {
                ("ray", "beam")
            };
            let renamed = writer
                .json(
                    "PATCH",
                    &format!("/api/pages/projects+lighthouse/files/{from}.jpg/name"),
                    json!({"name": to}),
                )
                .await;
            let beam = if round % 2 == 0 { "ray" } else { "beam" };
            let updated = writer
                .json(
                    "PATCH",
                    &format!("/api/pages/projects+lighthouse/files/{beam}.jpg"),
                    json!({"alt": format!("round {round}")}),
                )
                .await;
            if updated.status == StatusCode::OK {
                assert_eq!(updated.json()["data"]["filename"], format!("{beam}.jpg"));
            }
            for reply in [uploaded, renamed, updated] {
                if reply.status != StatusCode::OK {
                    failures.push(format!("round {round}: {} {}", reply.status, reply.text));
                }
            }
        }
        failures
    });
    moves.await.unwrap();
    let failures = writes.await.unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
    // an even number of rounds each: listed again, and beam.jpg back
    let folder = site.root().join(LIGHTHOUSE);
    assert!(folder.join("beam.jpg").is_file());
    assert!(folder.join("beam.jpg.txt").is_file());
    for round in 0..ROUNDS {
        assert!(
            folder.join(format!("upload-{round}.jpg")).is_file(),
            "upload {round}"
        );
    }
}

/// Two requests racing for one name or one file are checked again under
/// the writer lock: of two renames onto the same new name one wins and the
/// other is a duplicate (neither file is overwritten), and of two deletes
/// of one file the second finds it gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_renames_and_deletes_of_one_file_lose_nothing() {
    const ROUNDS: usize = 12;
    let site = TestSite::new();
    let mut first = admin(&site).await;
    let mut second = admin(&site).await;
    let folder = site.root().join(LIGHTHOUSE);
    for round in 0..ROUNDS {
        for (client, side) in [(&mut first, "a"), (&mut second, "b")] {
            let name = format!("race-{round}-{side}.jpg");
            let bytes = [JPEG, name.as_bytes()].concat();
            let files: &[(&str, &str, &[u8])] = &[("file", &name, &bytes)];
            let reply = upload(client, "/api/pages/projects+lighthouse/files", files, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
        let rename = |side: &str| {
            Request::patch(format!(
                "/api/pages/projects+lighthouse/files/race-{round}-{side}.jpg/name"
            ))
            .header("x-csrf", CSRF)
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"name": format!("race-{round}-won")}).to_string(),
            ))
            .unwrap()
        };
        let (a, b) = at_once(&mut first, &mut second, rename("a"), rename("b")).await;
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::BAD_REQUEST],
            "{} / {}",
            a.text,
            b.text
        );
        let loser = if a.status == StatusCode::OK { b } else { a };
        assert_eq!(loser.json()["key"], "error.file.duplicate");
        let mut kept: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(&format!("race-{round}-")) && n.ends_with(".jpg"))
            .collect();
        kept.sort();
        assert_eq!(kept.len(), 2, "both files are still there: {kept:?}");
        assert!(kept.contains(&format!("race-{round}-won.jpg")), "{kept:?}");

        let delete = || {
            Request::delete(format!(
                "/api/pages/projects+lighthouse/files/race-{round}-won.jpg"
            ))
            .header("x-csrf", CSRF)
            .body(Body::empty())
            .unwrap()
        };
        let (a, b) = at_once(&mut first, &mut second, delete(), delete()).await;
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::NOT_FOUND],
            "{} / {}",
            a.text,
            b.text
        );
    }
}

/// A sort writes each meta file as it is under the writer lock: a hand edit
/// of a meta file that no snapshot has seen yet (these tests run without a
/// watcher) keeps its field next to the new `Sort`.
#[tokio::test]
async fn sorting_keeps_a_hand_edit_of_the_meta_file() {
    let site = TestSite::new();
    let mut client = admin(&site).await;
    let meta = site.root().join(LIGHTHOUSE).join("beam.jpg.txt");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(&meta, format!("{text}\n\n----\n\nCaption: by hand\n")).unwrap();
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse/files/sort",
            json!({"files": ["projects/lighthouse/beam.jpg"], "index": 4}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let written = std::fs::read_to_string(&meta).unwrap();
    assert!(written.contains("Caption: by hand"), "{written}");
    assert!(written.ends_with("Sort: 5"), "{written}");
}

/// Sends `a` from `first` and `b` from `second` at the same time, each on
/// a task of its own (the router runs handlers on blocking threads, so the
/// two really overlap).
async fn at_once(
    first: &mut Client,
    second: &mut Client,
    a: Request<Body>,
    b: Request<Body>,
) -> (crate::common::Reply, crate::common::Reply) {
    let (mut client_a, mut client_b) = (first.take(), second.take());
    let (done_a, done_b) = tokio::join!(
        tokio::spawn(async move {
            let reply = client_a.send(a).await;
            (client_a, reply)
        }),
        tokio::spawn(async move {
            let reply = client_b.send(b).await;
            (client_b, reply)
        })
    );
    let ((client_a, reply_a), (client_b, reply_b)) = (done_a.unwrap(), done_b.unwrap());
    (*first, *second) = (client_a, client_b);
    (reply_a, reply_b)
}
