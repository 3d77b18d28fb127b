//! Page and site writes: what the API answers and what ends up on disk.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{ADMIN, CLIENT, CSRF, EDITOR, TestSite};
use folio::format::txt;
use folio::store::pages::{self as folders, CopyOptions, no_faults};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every path below `dir`, relative and sorted, with file contents.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(dir).unwrap().to_owned();
            if path.is_dir() {
                stack.push(path);
                out.push((relative, Vec::new()));
            } else {
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn content(site: &TestSite) -> PathBuf {
    site.root().join("content")
}

#[tokio::test]
async fn an_update_merges_fields_and_writes_kirbys_bytes() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let body = json!({"year": "2020", "Weird Key": "w", "rating": 1.5});
    let reply = client
        .json("PATCH", "/api/pages/projects+lighthouse", body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let data = &reply.json()["data"];
    assert_eq!(data["content"]["year"], "2020");
    assert_eq!(data["content"]["weird key"], "w");
    assert_eq!(data["content"]["rating"], 1.5);
    assert_eq!(
        read(&content(&site).join("1_projects/1_lighthouse/project.txt")),
        "Title: Lighthouse\n\n----\n\nYear: 2020\n\n----\n\nText:\n\nA small tower on a rock.\n\n\
         It still blinks every ten seconds.\n\n----\n\nUuid: pFj3DkXtsgEJtsKs\n\n----\n\n\
         Weird-key: w\n\n----\n\nRating: 1.5"
    );
    let again = client
        .get("/api/pages/projects+lighthouse?select=content")
        .await;
    assert_eq!(again.json()["data"]["content"]["weird_key"], "w");
}

#[tokio::test]
async fn bad_bodies_change_nothing() {
    let site = TestSite::new();
    let before = tree(&content(&site));
    let mut client = site.client();
    client.login(ADMIN).await;
    let request = Request::patch("/api/pages/projects")
        .header("x-csrf", CSRF)
        .header("content-type", "application/json")
        .body(Body::from("{oops"))
        .unwrap();
    assert_eq!(client.send(request).await.status, StatusCode::BAD_REQUEST);
    for (path, body) in [
        ("/api/pages/projects", json!(["x"])),
        ("/api/pages/projects/title", json!({"title": {"a": 1}})),
        ("/api/pages/projects/status", json!({"status": null})),
        (
            "/api/pages/projects/children",
            json!({"slug": "x", "template": "../../evil"}),
        ),
        (
            "/api/pages/projects/children",
            json!({"slug": "..", "template": "project"}),
        ),
    ] {
        let method = if path.ends_with("children") {
            "POST"
        } else {
            "PATCH"
        };
        let reply = client.json(method, path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
    }
    assert_eq!(tree(&content(&site)), before);
}

#[tokio::test]
async fn a_new_draft_holds_content_then_uuid_then_defaults() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(EDITOR).await;
    let body = json!({
        "slug": "../Neue Brücke",
        "title": "ignored",
        "template": "entry",
        "content": {"title": "Bridge", "date": "2024-02-03"}
    });
    let reply = client
        .json("POST", "/api/pages/journal/children", body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["id"], "journal/neue-brucke");
    assert_eq!(reply.json()["data"]["status"], "draft");
    let text = read(&content(&site).join("2_journal/_drafts/neue-brucke/entry.txt"));
    let fields = txt::parse(&text);
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["title", "date", "uuid", "text"]);
    assert_eq!(fields.get("uuid").map(str::len), Some(16));
    assert!(text.ends_with("\n\n----\n\nText: "), "{text}");
    let again = client
        .json(
            "POST",
            "/api/pages/journal/children",
            json!({"slug": "neue-brucke"}),
        )
        .await;
    assert_eq!(again.json()["key"], "error.page.draft.duplicate");

    let listed = client
        .json(
            "PATCH",
            "/api/pages/journal+neue-brucke/status",
            json!({"status": "listed"}),
        )
        .await;
    assert_eq!(listed.json()["data"]["num"], 20240203, "{}", listed.text);
    assert!(
        content(&site)
            .join("2_journal/20240203_neue-brucke/entry.txt")
            .exists()
    );
}

#[tokio::test]
async fn permissions_are_translated_refusals() {
    let site = TestSite::new();
    let before = tree(&content(&site));
    let mut client = site.client();
    client.login(CLIENT).await;
    let reply = client
        .json("PATCH", "/api/pages/projects", json!({"text": "x"}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["key"], "error.page.update.permission");
    let reply = client
        .json("PATCH", "/api/site", json!({"text": "x"}))
        .await;
    assert_eq!(reply.json()["key"], "error.site.update.permission");
    let mut editor = site.client();
    editor.login(EDITOR).await;
    let reply = editor
        .json("DELETE", "/api/pages/projects+windmill", json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json()["message"],
        "You are not allowed to delete \"windmill\""
    );
    let mut admin = site.client();
    admin.login(ADMIN).await;
    let reply = admin
        .json("PATCH", "/api/pages/about/slug", json!({"slug": "team"}))
        .await;
    assert_eq!(reply.json()["key"], "error.page.changeSlug.permission");
    assert_eq!(tree(&content(&site)), before);
}

#[tokio::test]
async fn listing_a_draft_renumbers_its_siblings() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let body = json!({"status": "listed", "position": 2});
    let reply = client
        .json("PATCH", "/api/pages/projects+harbour-crane/status", body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["num"], 2);
    let mut names: Vec<String> = std::fs::read_dir(content(&site).join("1_projects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains('_') && !n.starts_with('_'))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["1_lighthouse", "2_harbour-crane", "3_windmill", "4_canal"]
    );
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+windmill/status",
            json!({"status": "draft"}),
        )
        .await;
    assert_eq!(reply.json()["data"]["status"], "draft");
    assert!(
        content(&site)
            .join("1_projects/_drafts/windmill/project.txt")
            .exists()
    );
    assert!(content(&site).join("1_projects/3_canal").exists());
}

#[tokio::test]
async fn slug_title_delete_and_duplicate_change_the_folders() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+windmill/slug",
            json!({"slug": "Old Mill"}),
        )
        .await;
    assert_eq!(
        reply.json()["data"]["id"],
        "projects/old-mill",
        "{}",
        reply.text
    );
    assert!(
        content(&site)
            .join("1_projects/2_old-mill/project.txt")
            .exists()
    );
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+old-mill/title",
            json!({"title": 42}),
        )
        .await;
    assert_eq!(reply.json()["data"]["title"], "42");
    let reply = client
        .json("PATCH", "/api/pages/projects+old-mill/title", json!({}))
        .await;
    assert_eq!(reply.json()["key"], "error.page.changeTitle.empty");
    let reply = client
        .json(
            "POST",
            "/api/pages/projects+lighthouse/duplicate",
            json!({"slug": "beacon", "files": true}),
        )
        .await;
    assert_eq!(reply.json()["data"]["status"], "draft", "{}", reply.text);
    let copy = content(&site).join("1_projects/_drafts/beacon");
    assert!(copy.join("beam.jpg").exists() && copy.join("beam.jpg.txt").exists());
    let original = txt::parse(&read(
        &content(&site).join("1_projects/1_lighthouse/project.txt"),
    ));
    let copied = txt::parse(&read(&copy.join("project.txt")));
    assert_eq!(copied.get("title"), original.get("title"));
    assert_ne!(copied.get("uuid"), original.get("uuid"));
    let reply = client
        .json("DELETE", "/api/pages/projects", json!({}))
        .await;
    assert_eq!(reply.json()["key"], "error.page.delete.hasChildren");
    let reply = client
        .json("DELETE", "/api/pages/projects", json!({"force": true}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(!content(&site).join("1_projects").exists());
    assert_eq!(
        client.get("/api/pages/projects").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn site_updates_merge_into_site_txt() {
    let site = TestSite::new();
    let before = txt::parse(&read(&content(&site).join("site.txt")));
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client
        .json("PATCH", "/api/site", json!({"description": "new"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["content"]["description"], "new");
    let after = txt::parse(&read(&content(&site).join("site.txt")));
    assert_eq!(
        after.len(),
        before.len() + usize::from(before.get("description").is_none())
    );
    assert_eq!(after.get("title"), before.get("title"));
    assert_eq!(after.get("description"), Some("new"));
}

/// Storage promise (1): concurrent updates of one page lose nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_updates_lose_nothing() {
    let site = TestSite::new();
    let mut client = site.client();
    let login = client.login(ADMIN).await;
    // The login answer renews the session; its last cookie is the one that counts.
    let last = login
        .headers
        .get_all("set-cookie")
        .iter()
        .next_back()
        .unwrap()
        .to_str()
        .unwrap();
    let cookie = last.split(';').next().unwrap().to_owned();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let app = site.app.clone();
            let cookie = cookie.clone();
            tokio::spawn(async move {
                let body =
                    json!({format!("field{i}"): format!("value {i}"), "last": format!("{i}")});
                let request = Request::patch("/api/pages/projects+windmill")
                    .header("x-csrf", CSRF)
                    .header("cookie", cookie)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap();
                folio::api::router(app)
                    .oneshot(request)
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let path = content(&site).join("1_projects/2_windmill/project.txt");
    let fields = txt::parse_bytes(&std::fs::read(&path).unwrap()).unwrap();
    for i in 0..16 {
        assert_eq!(
            fields.get(&format!("field{i}")),
            Some(format!("value {i}").as_str()),
            "field{i}"
        );
    }
    let last: usize = fields.get("last").unwrap().parse().unwrap();
    assert!(last < 16);
    assert_eq!(fields.get("title"), Some("Windmill"));
    let reply = client
        .get("/api/pages/projects+windmill?select=content")
        .await;
    assert_eq!(
        reply.json()["data"]["content"]["last"],
        Value::String(last.to_string())
    );
}

/// Content writes racing status changes (which rename the folder) must never
/// leave two folders for one page or lose a field: a write planned on a
/// folder that moved is planned again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn content_writes_racing_folder_renames_never_split_a_page() {
    let site = TestSite::new();
    let mut client = site.client();
    let login = client.login(ADMIN).await;
    let last = login
        .headers
        .get_all("set-cookie")
        .iter()
        .next_back()
        .unwrap()
        .to_str()
        .unwrap();
    let cookie = last.split(';').next().unwrap().to_owned();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let app = site.app.clone();
            let cookie = cookie.clone();
            tokio::spawn(async move {
                let (path, body) = if i % 2 == 0 {
                    (
                        "/api/pages/projects+lighthouse",
                        json!({format!("field{i}"): "x"}),
                    )
                } else {
                    let status = if i % 4 == 1 { "unlisted" } else { "listed" };
                    (
                        "/api/pages/projects+lighthouse/status",
                        json!({"status": status}),
                    )
                };
                let request = Request::patch(path)
                    .header("x-csrf", CSRF)
                    .header("cookie", cookie)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap();
                folio::api::router(app)
                    .oneshot(request)
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let projects = content(&site).join("1_projects");
    let folders: Vec<String> = std::fs::read_dir(&projects)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("lighthouse"))
        .collect();
    assert_eq!(
        folders.len(),
        1,
        "one folder for the page, found {folders:?}"
    );
    let file = projects.join(&folders[0]).join("project.txt");
    let fields = txt::parse_bytes(&std::fs::read(&file).unwrap()).unwrap();
    for i in (0..16).step_by(2) {
        assert_eq!(fields.get(&format!("field{i}")), Some("x"), "field{i} lost");
    }
    assert_eq!(fields.get("title"), Some("Lighthouse"));
}

/// Storage promise (2): a failure between the steps of a change leaves the
/// old state complete.
#[test]
fn injected_failures_leave_the_old_state() {
    let site = TestSite::new();
    let root = content(&site);
    let before = tree(&root);
    for fail_at in 1..6 {
        let calls = std::cell::Cell::new(0);
        let fault = |_: &str| {
            calls.set(calls.get() + 1);
            if calls.get() == fail_at {
                Err(std::io::Error::other("injected"))
            } else {
                Ok(())
            }
        };
        let options = CopyOptions {
            children: true,
            files: true,
            ..CopyOptions::default()
        };
        let copied = folders::copy_page(
            &root.join("1_projects"),
            &root.join("_drafts/projects-copy"),
            options,
            &fault,
        );
        assert!(copied.is_err(), "step {fail_at}");
        assert_eq!(tree(&root), before, "copy failing at step {fail_at}");
        let moves = vec![
            (
                root.join("1_projects/1_lighthouse"),
                root.join("1_projects/2_lighthouse"),
            ),
            (
                root.join("1_projects/2_windmill"),
                root.join("1_projects/3_windmill"),
            ),
            (
                root.join("1_projects/10_canal"),
                root.join("1_projects/1_canal"),
            ),
        ];
        calls.set(0);
        if fail_at <= moves.len() {
            assert!(folders::renumber(&moves, &fault).is_err());
            assert_eq!(tree(&root), before, "renumber failing at step {fail_at}");
        }
        calls.set(0);
        assert!(
            folders::delete_page(&root.join("about"), &|_| Err(std::io::Error::other(
                "injected"
            )))
            .is_err()
        );
        assert_eq!(tree(&root), before);
    }
    for step in ["new uuids", "rename into place"] {
        let fault = |at: &str| {
            if at == step {
                Err(std::io::Error::other("injected"))
            } else {
                Ok(())
            }
        };
        let to = root.join("_drafts/projects-copy");
        assert!(
            folders::copy_page(
                &root.join("1_projects"),
                &to,
                CopyOptions::default(),
                &fault
            )
            .is_err()
        );
        assert_eq!(tree(&root), before, "copy failing at {step}");
    }
    folders::copy_page(
        &root.join("about"),
        &root.join("_drafts/about-copy"),
        CopyOptions::default(),
        &no_faults,
    )
    .unwrap();
    assert!(root.join("_drafts/about-copy/about.txt").exists());
}

/// Storage promise (3): every content file of the fixture reads back the
/// same after Folio writes it.
#[test]
fn every_fixture_content_file_survives_a_rewrite() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site/content");
    let files: Vec<PathBuf> = tree(&fixture)
        .into_iter()
        .map(|(path, _)| fixture.join(path))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    assert!(files.len() > 10, "found only {} content files", files.len());
    for path in files {
        let first = txt::parse_bytes(&std::fs::read(&path).unwrap()).unwrap();
        let written = txt::write(&first.0);
        let second = txt::parse(&written);
        assert_eq!(second, first, "{}", path.display());
        assert_eq!(txt::write(&second.0), written, "{}", path.display());
    }
}

#[tokio::test]
async fn a_slug_too_long_for_the_file_system_is_a_client_error() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let slug = "a".repeat(300);
    let created = client
        .json(
            "POST",
            "/api/pages/projects/children",
            json!({"slug": slug, "template": "project"}),
        )
        .await;
    assert_eq!(
        created.status,
        StatusCode::OK,
        "a 255-character draft folder fits: {}",
        created.text
    );
    let listed = client
        .json(
            "PATCH",
            &format!("/api/pages/projects+{}/status", "a".repeat(255)),
            json!({"status": "listed"}),
        )
        .await;
    assert_eq!(listed.status, StatusCode::BAD_REQUEST, "{}", listed.text);
    assert_eq!(listed.json()["key"], "error.page.slug.maxlength");
}
