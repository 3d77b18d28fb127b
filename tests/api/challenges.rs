//! Login challenges end to end (auth.md §5.2): codes mailed over real SMTP
//! to a catcher on 127.0.0.1, TOTP as the second factor, code lifetimes and
//! attempt limits, and what `GET /api/system` says meanwhile.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use folio::auth::challenge::totp::Totp;

use crate::common::{ADMIN, CSRF, Client, EDITOR, TestSite};
use crate::smtp::SmtpCatcher;

const WAIT: Duration = Duration::from_secs(10);
/// An RFC 6238 test secret, stored as Kirby stores TOTP secrets.
const TOTP_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const NOBODY: &str = "nobody@example.com";

/// A site whose mail goes to `catcher`, with `auth` options and no pauses.
fn site(catcher: &SmtpCatcher, auth: &str) -> TestSite {
    TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'],
         'auth' => [{auth}],
         'email' => ['transport' => ['type' => 'smtp', 'host' => '127.0.0.1', 'port' => {}]],
         'folio' => ['loginDelay' => false],",
        catcher.port
    ))
}

async fn ask_for_code(client: &mut Client, email: &str, long: bool) -> Value {
    let reply = client
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": email, "long": long}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn send_code(client: &mut Client, code: &str) -> crate::common::Reply {
    client
        .json("POST", "/api/auth/code", json!({"code": code}))
        .await
}

async fn auth_status(client: &mut Client) -> Value {
    let reply = client.get("/api/system").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["data"]["authStatus"].clone()
}

fn assert_refused(reply: &crate::common::Reply, destroyed: bool) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["key"], "error.access.code");
    assert_eq!(body["message"], "Invalid code");
    assert_eq!(body["details"]["challengeDestroyed"], destroyed, "{body}");
}

/// The session file texts of the site.
fn session_files(site: &TestSite) -> Vec<String> {
    std::fs::read_dir(site.root().join("site/sessions"))
        .map(|dir| {
            dir.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".sess"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_mailed_code_logs_in_without_a_password() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['password', 'code']");
    let mut client = site.client();
    let answer = ask_for_code(&mut client, "Admin@Example.com", false).await;
    assert_eq!(
        answer,
        json!({"code": 200, "status": "ok", "challenge": "email"})
    );
    assert_eq!(
        auth_status(&mut client).await,
        json!({"challenge": "email", "email": ADMIN.0, "status": "pending"})
    );

    let mail = catcher.wait_for(1, WAIT).remove(0);
    assert_eq!(mail.to, [ADMIN.0]);
    assert!(mail.from.starts_with("noreply@"), "{}", mail.from);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Your code to sign in")
    );
    let code = mail.code().expect("a code in the mail");
    assert!(mail.body().contains("10 minutes"), "{}", mail.body());
    assert!(
        session_files(&site).iter().all(|s| !s.contains(&code)),
        "only a hash of the code is stored"
    );

    let pending_cookie = client.cookie().map(str::to_owned);
    let spaced = format!(" {} {} ", &code[..3], &code[3..]);
    let reply = send_code(&mut client, &spaced).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(
        (body["code"].clone(), body["status"].clone()),
        (json!(200), json!("ok"))
    );
    assert_eq!(body["user"]["email"], ADMIN.0);
    assert_ne!(
        client.cookie().map(str::to_owned),
        pending_cookie,
        "a new session token"
    );

    let me = client.get("/api/auth").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["data"]["email"], ADMIN.0);
    let without_csrf = client
        .send(Request::get("/api/auth").body(Body::empty()).unwrap())
        .await;
    assert_eq!(without_csrf.status, StatusCode::UNAUTHORIZED);
    assert!(
        session_files(&site)
            .iter()
            .all(|s| !s.contains("kirby.challenge.")),
        "the challenge is gone"
    );

    let again = send_code(&mut client, &code).await;
    assert_refused(&again, true);
}

#[tokio::test]
async fn wrong_codes_are_refused_and_destroy_the_challenge_after_five() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code'], 'trials' => 100");
    let mut client = site.client();
    ask_for_code(&mut client, EDITOR.0, false).await;
    let code = catcher.wait_for(1, WAIT)[0].code().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_refused(&send_code(&mut client, wrong).await, false);
    }
    assert_refused(&send_code(&mut client, wrong).await, true);
    assert_eq!(auth_status(&mut client).await["status"], "inactive");
    assert_refused(&send_code(&mut client, &code).await, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_codes_sent_at_once_still_destroy_the_challenge_after_five() {
    use tower::ServiceExt;

    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code'], 'trials' => 100");
    let mut client = site.client();
    ask_for_code(&mut client, EDITOR.0, false).await;
    let code = catcher.wait_for(1, WAIT)[0].code().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let cookie = client.cookie().unwrap().to_owned();

    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let request = Request::post("/api/auth/code")
            .header("cookie", &cookie)
            .header("x-csrf", CSRF)
            .header("content-type", "application/json")
            .body(Body::from(json!({"code": wrong}).to_string()))
            .unwrap();
        let app = site.app.clone();
        burst.spawn(async move { folio::api::router(app).oneshot(request).await.unwrap() });
    }
    let mut destroyed = 0;
    while let Some(answer) = burst.join_next().await {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
        let bytes = http_body_util::BodyExt::collect(answer.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        if body["details"]["challengeDestroyed"] == true {
            destroyed += 1;
        }
    }
    assert_eq!(
        destroyed, 8,
        "the fifth wrong code destroys it; seven more find none"
    );
    assert_refused(&send_code(&mut client, &code).await, true);
}

#[tokio::test]
async fn the_rate_limit_refuses_even_the_right_code() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code'], 'trials' => 2");
    let mut client = site.client();
    ask_for_code(&mut client, EDITOR.0, false).await; // trial 1
    let code = catcher.wait_for(1, WAIT)[0].code().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_refused(&send_code(&mut client, wrong).await, false); // trial 2
    assert_refused(&send_code(&mut client, &code).await, false);
    let logins = std::fs::read_to_string(site.root().join("site/accounts/.logins")).unwrap();
    assert!(logins.contains(EDITOR.0), "{logins}");
}

#[tokio::test]
async fn an_expired_challenge_is_destroyed() {
    let catcher = SmtpCatcher::start();
    let site = site(
        &catcher,
        "'methods' => ['code'], 'challenge' => ['timeout' => 0]",
    );
    let mut client = site.client();
    ask_for_code(&mut client, ADMIN.0, false).await;
    let code = catcher.wait_for(1, WAIT)[0].code().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(auth_status(&mut client).await["status"], "inactive");
    assert_refused(&send_code(&mut client, &code).await, true);
}

#[tokio::test]
async fn an_unknown_email_looks_the_same_and_sends_nothing() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code']");
    let mut client = site.client();
    let answer = ask_for_code(&mut client, NOBODY, false).await;
    assert_eq!(
        answer,
        json!({"code": 200, "status": "ok", "challenge": "email"})
    );
    assert_eq!(
        auth_status(&mut client).await,
        json!({"challenge": "email", "email": NOBODY, "status": "pending"})
    );
    assert_refused(&send_code(&mut client, "123456").await, false);
    // A real account's mail is sent after the unknown one would have been.
    ask_for_code(&mut site.client(), ADMIN.0, false).await;
    let mails = catcher.wait_for(1, WAIT);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(catcher.mails().len(), 1);
    assert_eq!(mails[0].to, [ADMIN.0]);
}

#[tokio::test]
async fn without_a_challenge_a_code_is_refused() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code']");
    let mut client = site.client();
    assert_refused(&send_code(&mut client, "123456").await, true);
    let no_csrf = client
        .send(
            Request::post("/api/auth/code")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"code":"123456"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::BAD_REQUEST, "{}", no_csrf.text);
    assert_eq!(no_csrf.json()["message"], "Invalid CSRF token");
}

#[tokio::test]
async fn two_factor_uses_totp_when_the_user_has_a_secret() {
    let catcher = SmtpCatcher::start();
    let mut site = site(&catcher, "'methods' => ['password' => ['2fa' => true]]");
    let htpasswd = site.root().join("site/accounts/fdJlnth1/.htpasswd");
    let hash = std::fs::read_to_string(&htpasswd).unwrap();
    std::fs::write(&htpasswd, format!("{hash}\n{{\"totp\":\"{TOTP_SECRET}\"}}")).unwrap();
    site.app = folio::app::App::open(site.root()).unwrap();

    let mut client = site.client();
    let wrong = client
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": EDITOR.0, "password": "not-the-password", "long": false}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.text);
    assert_eq!(auth_status(&mut client).await["status"], "inactive");

    let reply = client
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": EDITOR.0, "password": EDITOR.1, "long": false}),
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"code": 200, "status": "ok", "challenge": "totp"})
    );
    assert!(client.get("/api/auth").await.status == StatusCode::UNAUTHORIZED);
    assert_eq!(auth_status(&mut client).await["challenge"], "totp");

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let totp = Totp::from_secret(TOTP_SECRET).unwrap();
    let stale = totp.code_at(now - 300, 6);
    if stale != totp.code_at(now, 6) && stale != totp.code_at(now + 30, 6) {
        assert_refused(&send_code(&mut client, &stale).await, false);
    }
    let reply = send_code(&mut client, &totp.code_at(now, 6)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["user"]["email"], EDITOR.0);
    assert!(catcher.mails().is_empty(), "TOTP mails nothing");
}

#[tokio::test]
async fn two_factor_mails_a_code_to_users_without_a_secret() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['password' => ['2fa' => true]]");
    let mut client = site.client();
    let reply = client
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": ADMIN.0, "password": ADMIN.1, "long": true}),
        )
        .await;
    assert_eq!(reply.json()["challenge"], "email");
    let code = catcher.wait_for(1, WAIT)[0].code().unwrap();
    let reply = send_code(&mut client, &code).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let cookie = reply.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("Max-Age=1209600"),
        "a long session: {cookie}"
    );
}

#[tokio::test]
async fn password_reset_codes_log_in_and_allow_a_new_password() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['password', 'password-reset']");
    let mut client = site.client();
    assert_eq!(
        ask_for_code(&mut client, EDITOR.0, false).await["challenge"],
        "email"
    );
    let mail = catcher.wait_for(1, WAIT).remove(0);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Your code to reset your password")
    );
    let reply = send_code(&mut client, &mail.code().unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let cookie = reply.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("Max-Age=7200"),
        "a normal session: {cookie}"
    );
    assert!(
        session_files(&site)
            .iter()
            .any(|s| s.contains("kirby.resetPassword")),
        "the reset flag is set"
    );
}

#[tokio::test]
async fn logout_ends_an_open_challenge() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code']");
    let mut client = site.client();
    ask_for_code(&mut client, ADMIN.0, false).await;
    let code = catcher.wait_for(1, WAIT)[0].code().unwrap();
    assert_eq!(
        client
            .json("POST", "/api/auth/logout", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(auth_status(&mut client).await["status"], "inactive");
    assert_refused(&send_code(&mut client, &code).await, true);
}

#[tokio::test]
async fn without_smtp_the_answer_is_the_same_and_nothing_is_sent() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'], 'auth' => ['methods' => ['code']],
         'folio' => ['loginDelay' => false],"
    ));
    let mut client = site.client();
    let answer = ask_for_code(&mut client, ADMIN.0, false).await;
    assert_eq!(answer["challenge"], "email");
    assert_eq!(auth_status(&mut client).await["status"], "pending");
}

#[tokio::test]
async fn auth_debug_shows_why_no_challenge_was_made() {
    let catcher = SmtpCatcher::start();
    let site = site(&catcher, "'methods' => ['code'], 'debug' => true");
    let reply = site
        .client()
        .json(
            "POST",
            "/api/auth/login",
            json!({"email": NOBODY, "long": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
}
