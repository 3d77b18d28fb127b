//! The site folder as the store sees it: reads leave it untouched, hand edits
//! show up without a restart, and broken files are skipped, not fatal.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use axum::http::StatusCode;

use crate::common::{ADMIN, TestSite};

/// Every file below `root` (except sessions) with its size, mtime and bytes.
fn snapshot(root: &Path) -> BTreeMap<String, (u64, SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if relative.starts_with("site/sessions") {
                continue;
            }
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    relative,
                    (
                        meta.len(),
                        meta.modified().unwrap(),
                        std::fs::read(&path).unwrap(),
                    ),
                );
            }
        }
    }
    out
}

#[tokio::test]
async fn reads_never_write_to_the_site_folder() {
    let site = TestSite::new();
    let before = snapshot(site.root());
    let mut client = site.client();
    client.login(ADMIN).await;
    for path in [
        "/api/site?select=children,content,files,title",
        "/api/pages/projects/children?status=all",
        "/api/pages/projects+lighthouse",
        "/api/pages/projects+lighthouse/files",
        "/api/pages/about",
        "/api/site/search?q=light",
        "/api/users",
        "/api/roles",
        "/api/system",
    ] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
    assert!(
        before == snapshot(site.root()),
        "a read changed the site folder"
    );
}

#[tokio::test]
async fn a_hand_edit_is_visible_to_the_next_poll() {
    let site = TestSite::new();
    site.app.store.watch(Duration::from_millis(20));
    let mut client = site.client();
    client.login(ADMIN).await;
    let about = site.root().join("content/about/about.txt");
    std::fs::write(&about, "Title: Edited by hand\n\n----\n\nText: new").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let title =
            client.get("/api/pages/about?select=title").await.json()["data"]["title"].clone();
        if title == "Edited by hand" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edit never showed, title still {title}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::create_dir_all(site.root().join("content/3_added")).unwrap();
    std::fs::write(
        site.root().join("content/3_added/default.txt"),
        "Title: Added",
    )
    .unwrap();
    site.app.store.refresh();
    assert_eq!(
        client.get("/api/pages/added?select=num").await.json()["data"]["num"],
        3
    );
}

async fn added_title(client: &mut crate::common::Client) -> serde_json::Value {
    client.get("/api/pages/added?select=title").await.json()["data"]["title"].clone()
}

/// A folder added by hand and a file edited inside it show up without an
/// explicit refresh: the watcher follows new folders.
#[tokio::test]
async fn a_folder_added_by_hand_is_followed() {
    let site = TestSite::new();
    site.app.store.watch(Duration::from_millis(20));
    let mut client = site.client();
    client.login(ADMIN).await;
    let folder = site.root().join("content/3_added");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("default.txt"), "Title: Added").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while added_title(&mut client).await != "Added" {
        assert!(Instant::now() < deadline, "the new folder never showed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::write(folder.join("default.txt"), "Title: Edited").unwrap();
    while added_title(&mut client).await != "Edited" {
        assert!(
            Instant::now() < deadline,
            "the edit in the new folder never showed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A password changed on disk (say by Kirby itself, beside Folio) ends the
/// old password's cached Basic logins at once: the watcher follows the
/// account's `.htpasswd`, so this does not wait for the slow full check,
/// which the long interval here puts out of reach.
#[tokio::test]
async fn a_password_changed_on_disk_ends_cached_basic_logins_at_once() {
    use base64::Engine;
    let site = TestSite::with_config(
        "'api' => ['basicAuth' => true, 'allowInsecure' => true, 'csrf' => 'x'],",
    );
    site.app.store.watch(Duration::from_secs(3600));
    let basic = |password: &str| {
        let credentials = format!("admin@example.com:{password}");
        let header = base64::engine::general_purpose::STANDARD.encode(credentials);
        axum::http::Request::get("/api/site?select=title")
            .header("authorization", format!("Basic {header}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let mut client = site.client();
    let reply = client.send(basic("fixture-admin-1")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // The admin now has the editor's password.
    let users = site.app.store.site();
    let admin = users.user_by_email("admin@example.com").unwrap();
    let editor = users.user_by_email("editor@example.com").unwrap();
    std::fs::copy(editor.dir.join(".htpasswd"), admin.dir.join(".htpasswd")).unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    while client.send(basic("fixture-admin-1")).await.status == StatusCode::OK {
        assert!(
            Instant::now() < deadline,
            "the old password still works after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply = client.send(basic("fixture-editor-2")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// A hand edit made a moment before an API write, before any notice of it
/// could be acted on (here there is no watcher at all), is merged into the
/// write, not overwritten by the snapshot's older content.
#[tokio::test]
async fn a_hand_edit_made_just_before_a_write_is_kept() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(ADMIN).await;
    let file = site
        .root()
        .join("content/1_projects/1_lighthouse/project.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n\n----\n\nMarker: by hand\n")).unwrap();
    let reply = client
        .json(
            "PATCH",
            "/api/pages/projects+lighthouse",
            serde_json::json!({"text": "by the API"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("Marker: by hand"), "{written}");
    assert!(written.contains("Text: by the API"), "{written}");
}

/// Two page folders swapped by hand (a deploy by `mv`) are two other pages:
/// each name answers with what its folder now holds, and a write to one
/// goes into what is there.
#[tokio::test]
async fn page_folders_swapped_by_hand_are_followed() {
    let site = TestSite::new();
    site.app.store.watch(Duration::from_secs(3600));
    let mut client = site.client();
    client.login(ADMIN).await;
    let projects = site.root().join("content/1_projects");
    let title = |reply: crate::common::Reply| reply.json()["data"]["title"].clone();
    let lighthouse = title(
        client
            .get("/api/pages/projects+lighthouse?select=title")
            .await,
    );
    let windmill = title(
        client
            .get("/api/pages/projects+windmill?select=title")
            .await,
    );
    assert_ne!(lighthouse, windmill);

    // Each folder keeps its name but takes the other's contents.
    std::fs::rename(projects.join("1_lighthouse"), projects.join("aside")).unwrap();
    std::fs::rename(projects.join("2_windmill"), projects.join("1_lighthouse")).unwrap();
    std::fs::rename(projects.join("aside"), projects.join("2_windmill")).unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = title(
            client
                .get("/api/pages/projects+lighthouse?select=title")
                .await,
        );
        if now == windmill {
            break;
        }
        assert!(Instant::now() < deadline, "the swap never showed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        title(
            client
                .get("/api/pages/projects+windmill?select=title")
                .await
        ),
        lighthouse
    );
}

#[tokio::test]
async fn broken_files_are_reported_and_skipped() {
    let site = TestSite::new();
    std::fs::write(
        site.root().join("content/about/about.txt"),
        b"Title: \xff\xfe broken",
    )
    .unwrap();
    std::fs::write(
        site.root().join("site/accounts/L3TKdhXx/index.php"),
        "<?php return [ 'email' => ",
    )
    .unwrap();
    site.app.store.refresh();
    let problems = &site.app.store.site().problems;
    assert!(
        problems
            .iter()
            .any(|p| p.path.ends_with("content/about/about.txt")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.path.ends_with("L3TKdhXx/index.php")),
        "{problems:?}"
    );
    let mut client = site.client();
    client.login(crate::common::EDITOR).await;
    assert_eq!(
        client.get("/api/pages/projects?select=id").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_write_never_replaces_a_content_file_it_could_not_read() {
    let site = TestSite::new();
    let path = site.root().join("content/about/about.txt");
    let broken = b"Title: About\n\n----\n\nText: \xff\xfe kept".to_vec();
    std::fs::write(&path, &broken).unwrap();
    site.app.store.refresh();
    let mut client = site.client();
    client.login(ADMIN).await;
    let reply = client
        .json(
            "PATCH",
            "/api/pages/about",
            serde_json::json!({"text": "new"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(std::fs::read(&path).unwrap(), broken);
    let names: Vec<String> = std::fs::read_dir(site.root().join("content/about"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["about.txt"], "no second content file");
}
