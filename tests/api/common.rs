#![allow(dead_code)] // each test module uses a different part of the helpers

//! Test helpers: a temp copy of the fixture site, the router called in
//! process with `oneshot`, and a cookie jar per test client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[path = "../support/copy.rs"]
mod copy;

use copy::copy_dir;

pub const CSRF: &str = "test-csrf-token";

pub const ADMIN: (&str, &str) = ("admin@example.com", "fixture-admin-1");
pub const EDITOR: (&str, &str) = ("editor@example.com", "fixture-editor-2");
pub const CLIENT: (&str, &str) = ("client@example.com", "fixture-client-3");

pub struct TestSite {
    pub dir: tempfile::TempDir,
    pub app: Arc<folio::app::App>,
}

impl TestSite {
    /// The fixture site with `languages` on and the languages `codes`
    /// created through the API (the first one is the default), with an
    /// admin client logged in.
    pub async fn with_languages(codes: &[&str]) -> (TestSite, Client) {
        let site = TestSite::with_config(&format!(
            "'api' => ['csrf' => '{CSRF}'],\n'languages' => true,"
        ));
        let mut client = site.client();
        client.login(ADMIN).await;
        client.add_languages(codes).await;
        (site, client)
    }

    /// A file of the site as text; panics with the path when it cannot be read.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path))
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    /// A fresh copy of `tests/fixtures/site` with `config` as its config.php body.
    pub fn with_config(config: &str) -> TestSite {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site"),
            dir.path(),
        )
        .unwrap();
        let config_dir = dir.path().join("site/config");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(
            config_dir.join("config.php"),
            format!("<?php\n\nreturn [\n{config}\n];\n"),
        )
        .unwrap();
        let app = folio::app::App::open(dir.path()).unwrap();
        TestSite { dir, app }
    }

    /// The usual test config: a fixed CSRF token.
    pub fn new() -> TestSite {
        TestSite::with_config(&format!("'api' => ['csrf' => '{CSRF}'],"))
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn client(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookie: None,
        }
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// A client with a one-cookie jar.
pub struct Client {
    app: Arc<folio::app::App>,
    cookie: Option<String>,
}

impl Client {
    /// This client, leaving in its place one with an empty jar: to move
    /// the client into a task of its own and put it back afterwards.
    pub fn take(&mut self) -> Client {
        let empty = Client {
            app: self.app.clone(),
            cookie: None,
        };
        std::mem::replace(self, empty)
    }

    /// The session cookie (`name=value`) the jar holds.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    pub async fn send(&mut self, request: Request<Body>) -> Reply {
        let mut request = request;
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().unwrap());
        }
        let response = folio::api::router(self.app.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let pair = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            self.cookie = if pair.ends_with('=') || pair.contains("=deleted") {
                None
            } else {
                Some(pair)
            };
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Sends `request` and returns the status and the body's raw bytes.
    pub async fn send_raw(&mut self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = folio::api::router(self.app.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, bytes.to_vec())
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header("x-csrf", CSRF)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn get_anonymous(&mut self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn json(&mut self, method: &str, path: &str, body: Value) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("x-csrf", CSRF)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// Creates the languages `codes` through the API, in order.
    pub async fn add_languages(&mut self, codes: &[&str]) {
        for code in codes {
            let reply = self
                .json("POST", "/api/languages", serde_json::json!({"code": code}))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
    }

    pub async fn login(&mut self, (email, password): (&str, &str)) -> Reply {
        let reply = self
            .json(
                "POST",
                "/api/auth/login",
                serde_json::json!({"email": email, "password": password, "long": false}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "login failed: {}", reply.text);
        reply
    }
}
