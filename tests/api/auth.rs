//! Who is asking: sessions, CSRF, Basic auth, and what each role may see.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::json;

use crate::common::{ADMIN, CLIENT, CSRF, EDITOR, TestSite};

#[tokio::test]
async fn login_sets_kirbys_cookie_and_the_session_needs_the_csrf_token() {
    let site = TestSite::new();
    let mut client = site.client();
    let login = client.login(ADMIN).await;
    let cookie = login
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("kirby_session="), "{cookie}");
    for attribute in [
        "expires=",
        "Max-Age=7200",
        "path=/",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(
            cookie.contains(attribute),
            "missing {attribute} in {cookie}"
        );
    }
    assert_eq!(login.json()["user"]["email"], "admin@example.com");

    assert_eq!(client.get("/api/auth").await.status, StatusCode::OK);
    let without_token = client.get_anonymous("/api/auth").await;
    assert_eq!(without_token.status, StatusCode::UNAUTHORIZED);
    let with_query_token = client
        .get_anonymous(&format!("/api/auth?csrf={CSRF}"))
        .await;
    assert_eq!(with_query_token.status, StatusCode::OK);
}

/// The bare session token inside a `kirby_session=<hmac>+<token>` cookie.
fn token_of(set_cookie: &str) -> String {
    let value = set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("kirby_session=");
    let decoded = value.replace("%2B", "+");
    decoded.split_once('+').unwrap().1.to_owned()
}

#[tokio::test]
async fn a_session_named_in_the_authorization_header_needs_no_cookie() {
    let site = TestSite::new();
    let mut client = site.client();
    let login = client.login(EDITOR).await;
    // The last cookie is the logged-in session; an earlier one may be the
    // anonymous session the CSRF check started.
    let last_cookie = login
        .headers
        .get_all("set-cookie")
        .iter()
        .next_back()
        .unwrap();
    let token = token_of(last_cookie.to_str().unwrap());

    let mut bare = site.client();
    let with_header = |value: String| {
        Request::get("/api/auth")
            .header("authorization", value)
            .header("x-csrf", CSRF)
            .body(Body::empty())
            .unwrap()
    };
    let reply = bare.send(with_header(format!("Session {token}"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["data"]["email"], "editor@example.com");
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "a header session never sets a cookie"
    );

    let scheme_case = bare.send(with_header(format!("session {token}"))).await;
    assert_eq!(scheme_case.status, StatusCode::OK);

    // Another last character: a fixed one would be the real one now and then.
    let (kept, last) = token.split_at(token.len() - 1);
    let forged = format!("{kept}{}", if last == "0" { "1" } else { "0" });
    let refused = bare.send(with_header(format!("Session {forged}"))).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let garbage = bare.send(with_header("Session ../../etc".into())).await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
}

/// The `name=value` pair of the last `Set-Cookie` of a reply, if any.
fn last_cookie(reply: &crate::common::Reply) -> Option<String> {
    let last = reply.headers.get_all("set-cookie").iter().next_back()?;
    Some(last.to_str().unwrap().split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn after_a_renewal_the_old_cookie_follows_to_the_new_session() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'],\n'session' => ['durationNormal' => 5],"
    ));
    let old = last_cookie(&site.client().login(EDITOR).await).unwrap();
    let with_cookie = |cookie: &str| {
        Request::get("/api/auth")
            .header("cookie", cookie)
            .header("x-csrf", CSRF)
            .body(Body::empty())
            .unwrap()
    };

    // Past half its lifetime, the next request renews the session (Kirby
    // counts whole seconds: 3.1 s after the login, 1 or 2 of 5 s are left).
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let renewing = site.client().send(with_cookie(&old)).await;
    assert_eq!(renewing.status, StatusCode::OK, "{}", renewing.text);
    let new = last_cookie(&renewing).expect("the renewal sends a new cookie");
    assert_ne!(new, old);

    // A request still holding the old cookie is not logged out, and is not
    // handed the new token either.
    let in_flight = site.client().send(with_cookie(&old)).await;
    assert_eq!(in_flight.status, StatusCode::OK, "{}", in_flight.text);
    assert_eq!(in_flight.json()["data"]["email"], "editor@example.com");
    assert!(in_flight.headers.get("set-cookie").is_none());
    let current = site.client().send(with_cookie(&new)).await;
    assert_eq!(current.status, StatusCode::OK);

    // Logging out through the old cookie ends the new session too.
    let logout = Request::post("/api/auth/logout")
        .header("cookie", &old)
        .body(Body::empty())
        .unwrap();
    assert_eq!(site.client().send(logout).await.status, StatusCode::OK);
    let after = site.client().send(with_cookie(&new)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session_for_good() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(EDITOR).await;
    let sessions_before = std::fs::read_dir(site.root().join("site/sessions"))
        .unwrap()
        .count();
    assert_eq!(
        client
            .json("POST", "/api/auth/logout", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        client.get("/api/auth").await.status,
        StatusCode::UNAUTHORIZED
    );
    let sessions_after = std::fs::read_dir(site.root().join("site/sessions"))
        .unwrap()
        .count();
    assert_eq!(
        sessions_after,
        sessions_before - 1,
        "the session file must be removed"
    );
}

#[tokio::test]
async fn anonymous_requests_write_no_session_file() {
    let site = TestSite::new();
    let mut client = site.client();
    for _ in 0..3 {
        assert_eq!(
            client.get_anonymous("/api/site").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let sessions: Vec<_> = std::fs::read_dir(site.root().join("site/sessions"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sess"))
        .collect();
    assert!(sessions.is_empty(), "anonymous calls wrote {sessions:?}");
}

#[tokio::test]
async fn a_wrong_password_is_an_invalid_login() {
    let site = TestSite::new();
    let reply = site
        .client()
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": "admin@example.com", "password": "nope-nope", "long": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["key"], "error.access.login");
}

#[tokio::test]
async fn login_without_the_csrf_token_is_refused() {
    let site = TestSite::with_config("");
    let request = Request::post("/api/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"email": ADMIN.0, "password": ADMIN.1, "long": false}).to_string(),
        ))
        .unwrap();
    let reply = site.client().send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["message"], "Invalid CSRF token");
}

fn basic(credentials: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

#[tokio::test]
async fn basic_auth_is_ignored_unless_enabled_and_refused_over_http() {
    let off = TestSite::new();
    let request = |auth: String| {
        Request::get("/api/site?select=title")
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap()
    };
    let reply = off
        .client()
        .send(request(basic("admin@example.com:fixture-admin-1")))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let insecure = TestSite::with_config("'api' => ['basicAuth' => true],");
    let reply = insecure
        .client()
        .send(request(basic("admin@example.com:fixture-admin-1")))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json()["message"],
        "Basic authentication is only allowed over HTTPS"
    );

    let allowed = TestSite::with_config("'api' => ['basicAuth' => true, 'allowInsecure' => true],");
    let reply = allowed
        .client()
        .send(request(basic("admin@example.com:fixture-admin-1")))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = allowed.client().send(request(basic("no-colon-here"))).await;
    assert_eq!(reply.json()["key"], "error.access.login");
    let reply = allowed.client().send(request("Bearer abc".into())).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forwarded_https_counts_only_when_the_url_option_allows_it() {
    let request = || {
        Request::get("/api/site?select=title")
            .header("authorization", basic("admin@example.com:fixture-admin-1"))
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .unwrap()
    };
    let fixed = TestSite::with_config("'api' => ['basicAuth' => true],");
    assert_eq!(
        fixed.client().send(request()).await.status,
        StatusCode::FORBIDDEN
    );
    let wildcard = TestSite::with_config("'api' => ['basicAuth' => true], 'url' => '*',");
    assert_eq!(
        wildcard.client().send(request()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn permission_errors_speak_the_users_language_and_hidden_pages_are_missing() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(CLIENT).await;
    let reply = client
        .json("PATCH", "/api/site/title", json!({"title": "No"}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["key"], "error.site.changeTitle.permission");

    let error_page = client.get("/api/pages/error").await;
    assert_eq!(error_page.status, StatusCode::NOT_FOUND);
    assert_eq!(error_page.json()["key"], "error.page.notFound");
}

#[tokio::test]
async fn without_users_permissions_the_editor_sees_only_itself() {
    let site = TestSite::new();
    let mut client = site.client();
    client.login(EDITOR).await;
    let me = client.get("/api/account?select=email").await.json();
    assert_eq!(me["data"]["email"], "editor@example.com");
    let admin = client
        .get("/api/users/admin@example.com?select=options")
        .await;
    assert_eq!(admin.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.json()["key"], "error.user.notFound");
    let list = client.get("/api/users?select=email").await.json();
    assert_eq!(list["data"], json!([{"email": "editor@example.com"}]));
}

#[tokio::test]
async fn an_internationalised_domain_logs_in_in_either_spelling() {
    let site = TestSite::new();
    let mut admin = site.client();
    admin.login(ADMIN).await;
    let created = admin
        .json(
            "POST",
            "/api/users",
            json!({"email": "Ada@XN--BCHER-KVA.example", "password": "idn-password-1", "role": "editor"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.json()["data"]["email"], "ada@bücher.example");

    for spelling in ["ada@bücher.example", "ADA@xn--bcher-kva.example"] {
        let mut client = site.client();
        let login = client.login((spelling, "idn-password-1")).await;
        assert_eq!(login.json()["user"]["email"], "ada@bücher.example");
    }
}
