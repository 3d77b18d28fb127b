//! What several fuzz targets share: a temp folder per run, removed at exit,
//! and a copy of the project's fixture site with an admin logged in.
#![allow(dead_code)] // each target uses a different part

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::HeaderMap;

use folio::api::call::{self, Incoming};
use folio::app::App;

pub const CSRF: &str = "fuzz-csrf-token";

pub struct Fixture {
    pub app: Arc<App>,
    pub cookie: String,
}

/// A temp folder for this run. libFuzzer ends a run with `exit()`, which skips
/// destructors, so the folder is removed by an `atexit` hook instead; after a
/// crash (`_Exit`) it stays in `/tmp`.
pub fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    extern "C" fn remove_run_dir() {
        if let Some(dir) = DIR.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("folio-fuzz-")
            .tempdir()
            .expect("a temp dir")
            .keep();
        // SAFETY: registers a plain `extern "C" fn` without arguments, as `atexit` requires.
        unsafe { libc::atexit(remove_run_dir) };
        dir
    })
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a fixture folder");
    for entry in std::fs::read_dir(from).expect("the fixture site").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a fixture file");
        }
    }
}

pub fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().expect("a header value"));
    }
    map
}

/// The fixture site with a fixed CSRF token, and an admin session cookie.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = run_dir().join("site");
        let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site");
        copy_dir(&source, &root);
        let config = format!("<?php\n\nreturn [\n'api' => ['csrf' => '{CSRF}'],\n];\n");
        std::fs::create_dir_all(root.join("site/config")).expect("a config folder");
        std::fs::write(root.join("site/config/config.php"), config).expect("config");
        let app = App::open(&root).expect("the fixture site opens");
        let body = r#"{"email":"admin@example.com","password":"fixture-admin-1"}"#;
        let login = Incoming::new(
            "POST",
            &headers(&[("content-type", "application/json"), ("x-csrf", CSRF)]),
            None,
            "auth/login".to_owned(),
            Bytes::from(body),
            None,
        );
        let done = call::run(&app, login);
        assert_eq!(done.status, 200, "fixture login failed: {}", done.body);
        let cookie = done
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .last()
            .expect("a session cookie")
            .to_owned();
        Fixture { app, cookie }
    })
}
