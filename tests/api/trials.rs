//! Login trials (auth.md §6) and trusted proxies: who gets locked out, by
//! which address, and when forwarded headers are believed.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use folio::app::App;
use folio::auth::trials::ip_key;
use folio::serve::ConnInfo;

use crate::common::{ADMIN, CSRF, EDITOR, TestSite};

const NOBODY: (&str, &str) = ("nobody@example.com", "fixture-nobody-0");
const WRONG: &str = "not-the-password";

/// Three trials, no pause, a fixed CSRF token, plus `extra` options.
fn site(extra: &str) -> TestSite {
    TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}', 'basicAuth' => true, 'allowInsecure' => true],
         'auth' => ['trials' => 3, 'debug' => false],
         'folio' => ['loginDelay' => false {extra}],"
    ))
}

/// One request from `peer`, with extra headers.
struct Attempt<'a> {
    peer: &'a str,
    headers: Vec<(&'a str, String)>,
}

impl<'a> Attempt<'a> {
    fn from(peer: &'a str) -> Attempt<'a> {
        Attempt {
            peer,
            headers: Vec::new(),
        }
    }

    fn header(mut self, name: &'a str, value: &str) -> Attempt<'a> {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn request(&self, builder: axum::http::request::Builder, body: Body) -> Request<Body> {
        let mut builder = builder;
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        let mut request = builder.body(body).unwrap();
        let peer: SocketAddr = format!("{}:40000", self.peer)
            .parse()
            .or_else(|_| format!("[{}]:40000", self.peer).parse())
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnInfo { peer, tls: false });
        request
    }

    async fn login(&self, app: &Arc<App>, (email, password): (&str, &str)) -> (StatusCode, Value) {
        let body = json!({"email": email, "password": password, "long": false});
        let builder = Request::post("/api/auth/login")
            .header("x-csrf", CSRF)
            .header("content-type", "application/json");
        send(app, self.request(builder, Body::from(body.to_string()))).await
    }

    async fn basic(&self, app: &Arc<App>, credentials: &str) -> (StatusCode, Value) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        let builder = Request::get("/api/site?select=title")
            .header("authorization", format!("Basic {encoded}"));
        send(app, self.request(builder, Body::empty())).await
    }
}

async fn send(app: &Arc<App>, request: Request<Body>) -> (StatusCode, Value) {
    let response = folio::api::router(app.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

fn assert_invalid_login((status, body): &(StatusCode, Value)) {
    assert_eq!(*status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["key"], "error.access.login", "{body}");
}

fn logins(root: &Path) -> Value {
    let text = std::fs::read_to_string(root.join("site/accounts/.logins")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn an_address_is_locked_for_every_account_after_its_trials() {
    let site = site("");
    let attacker = Attempt::from("192.0.2.1");
    for _ in 0..3 {
        assert_invalid_login(&attacker.login(&site.app, NOBODY).await);
    }
    assert_invalid_login(&attacker.login(&site.app, EDITOR).await);
    let (status, _) = Attempt::from("192.0.2.2").login(&site.app, EDITOR).await;
    assert_eq!(status, StatusCode::OK);

    let log = logins(site.root());
    assert_eq!(log["by-ip"][ip_key("192.0.2.1".parse().ok())]["trials"], 3);
    assert_eq!(
        log["by-email"],
        json!([]),
        "unknown e-mails are not counted"
    );
}

#[tokio::test]
async fn an_account_is_locked_from_every_address_whatever_the_case() {
    let site = site("");
    let spellings = [
        "Admin@Example.COM",
        " ADMIN@example.com ",
        "admin@EXAMPLE.com",
    ];
    for (n, email) in spellings.iter().enumerate() {
        let reply = Attempt::from(&format!("192.0.2.{n}"))
            .login(&site.app, (email, WRONG))
            .await;
        assert_invalid_login(&reply);
    }
    assert_eq!(
        logins(site.root())["by-email"]["admin@example.com"]["trials"],
        3
    );

    let fresh = Attempt::from("198.51.100.9");
    assert_invalid_login(&fresh.login(&site.app, ADMIN).await);
    assert_invalid_login(&fresh.login(&site.app, ("ADMIN@example.com", ADMIN.1)).await);
    let (status, _) = fresh.login(&site.app, EDITOR).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "other accounts from that address work"
    );
}

#[tokio::test]
async fn a_blocked_attempt_is_refused_but_not_counted() {
    let site = site("");
    let attacker = Attempt::from("192.0.2.1");
    for _ in 0..3 {
        attacker.login(&site.app, (ADMIN.0, WRONG)).await;
    }
    for _ in 0..2 {
        assert_invalid_login(&attacker.login(&site.app, ADMIN).await);
    }
    let log = logins(site.root());
    assert_eq!(log["by-email"]["admin@example.com"]["trials"], 3);
    assert_eq!(log["by-ip"][ip_key("192.0.2.1".parse().ok())]["trials"], 3);
}

#[tokio::test]
async fn auth_debug_names_the_rate_limit() {
    let site = TestSite::with_config(&format!(
        "'api' => ['csrf' => '{CSRF}'], 'auth' => ['trials' => 1, 'debug' => true],
         'folio' => ['loginDelay' => false],"
    ));
    let caller = Attempt::from("192.0.2.1");
    let (status, body) = caller.login(&site.app, (ADMIN.0, WRONG)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["key"], "error.user.password.wrong");

    let (status, body) = caller.login(&site.app, ADMIN).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["key"], "error.permission");
    assert_eq!(body["message"], "Rate limit exceeded");
    assert_eq!(body["details"]["reason"], "rate-limited");
}

#[tokio::test]
async fn the_lock_survives_a_restart() {
    let site = site("");
    let attacker = Attempt::from("192.0.2.1");
    for _ in 0..3 {
        attacker.login(&site.app, (EDITOR.0, WRONG)).await;
    }
    let restarted = App::open(site.root()).unwrap();
    assert_invalid_login(&attacker.login(&restarted, EDITOR).await);
    let (status, _) = Attempt::from("192.0.2.2").login(&restarted, ADMIN).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn failed_basic_requests_count_and_lock_basic_auth_too() {
    let site = site("");
    let attacker = Attempt::from("192.0.2.1");
    assert_invalid_login(
        &attacker
            .basic(&site.app, &format!("{}:{WRONG}", ADMIN.0))
            .await,
    );
    assert_invalid_login(&attacker.basic(&site.app, "no-colon-at-all").await);
    assert_invalid_login(
        &attacker
            .basic(&site.app, "someone@example.com:whatever1")
            .await,
    );
    assert_eq!(
        logins(site.root())["by-ip"][ip_key("192.0.2.1".parse().ok())]["trials"],
        3
    );

    let right = format!("{}:{}", EDITOR.0, EDITOR.1);
    assert_invalid_login(&attacker.basic(&site.app, &right).await);
    let (status, body) = Attempt::from("192.0.2.2").basic(&site.app, &right).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_invalid_login(&attacker.login(&site.app, EDITOR).await);
}

#[tokio::test]
async fn a_cached_basic_login_is_still_refused_while_locked() {
    let site = site("");
    let proxy = Attempt::from("192.0.2.1");
    let right = format!("{}:{}", EDITOR.0, EDITOR.1);
    assert_eq!(proxy.basic(&site.app, &right).await.0, StatusCode::OK);
    for _ in 0..3 {
        proxy
            .basic(&site.app, &format!("{}:{WRONG}", EDITOR.0))
            .await;
    }
    assert_invalid_login(&proxy.basic(&site.app, &right).await);
}

#[tokio::test]
async fn a_trusted_proxy_forwards_the_client_address() {
    let site = site(", 'trustedProxies' => ['127.0.0.1', '10.0.0.0/8']");
    let through = |client: &str| {
        Attempt::from("127.0.0.1")
            .header("x-forwarded-for", &format!("6.6.6.6, {client}, 10.1.2.3"))
    };
    for _ in 0..3 {
        assert_invalid_login(&through("198.51.100.1").login(&site.app, NOBODY).await);
    }
    assert_invalid_login(&through("198.51.100.1").login(&site.app, EDITOR).await);
    let (status, _) = through("198.51.100.2").login(&site.app, EDITOR).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another client behind the proxy is not locked"
    );
    let (status, _) = Attempt::from("127.0.0.1").login(&site.app, EDITOR).await;
    assert_eq!(status, StatusCode::OK, "the proxy itself is not locked");

    let log = logins(site.root());
    let by_ip = log["by-ip"].as_object().unwrap();
    assert_eq!(by_ip.len(), 1);
    assert!(by_ip.contains_key(&ip_key("198.51.100.1".parse().ok())));

    let forwarded = Attempt::from("10.0.0.5").header("forwarded", "for=198.51.100.1");
    assert_invalid_login(&forwarded.login(&site.app, EDITOR).await);
}

#[tokio::test]
async fn forwarded_addresses_from_an_untrusted_peer_are_ignored() {
    let site = site(", 'trustedProxies' => ['10.0.0.0/8']");
    for n in 0..3 {
        let spoofed = Attempt::from("192.0.2.1")
            .header("x-forwarded-for", &format!("198.51.100.{n}"))
            .header("forwarded", &format!("for=203.0.113.{n}"));
        assert_invalid_login(&spoofed.login(&site.app, NOBODY).await);
    }
    let changed_story = Attempt::from("192.0.2.1").header("x-forwarded-for", "198.51.100.77");
    assert_invalid_login(&changed_story.login(&site.app, EDITOR).await);
    let log = logins(site.root());
    assert_eq!(log["by-ip"][ip_key("192.0.2.1".parse().ok())]["trials"], 3);
}

#[tokio::test]
async fn forwarded_https_counts_only_from_a_trusted_proxy_once_one_is_listed() {
    let config = |proxies: &str| {
        TestSite::with_config(&format!(
            "'api' => ['basicAuth' => true], 'url' => '*',
             'folio' => ['loginDelay' => false {proxies}],"
        ))
    };
    let credentials = format!("{}:{}", ADMIN.0, ADMIN.1);
    let https_from = |peer| Attempt::from(peer).header("x-forwarded-proto", "https");

    let listed = config(", 'trustedProxies' => ['127.0.0.1']");
    let (status, body) = https_from("127.0.0.1")
        .basic(&listed.app, &credentials)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = https_from("192.0.2.1")
        .basic(&listed.app, &credentials)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        "Basic authentication is only allowed over HTTPS"
    );

    let nobody_trusted = config(", 'trustedProxies' => []");
    let (status, _) = https_from("127.0.0.1")
        .basic(&nobody_trusted.app, &credentials)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Unset, Kirby's rule alone decides: `url => '*'` believes any peer.
    let unset = config("");
    let (status, _) = https_from("192.0.2.1")
        .basic(&unset.app, &credentials)
        .await;
    assert_eq!(status, StatusCode::OK);

    let fixed = TestSite::with_config(
        "'api' => ['basicAuth' => true], 'folio' => ['trustedProxies' => ['127.0.0.1']],",
    );
    let (status, _) = https_from("127.0.0.1")
        .basic(&fixed.app, &credentials)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "without `url` proxy headers never count"
    );
}

#[tokio::test]
async fn a_failure_pauses_by_default() {
    let site = TestSite::with_config(&format!("'api' => ['csrf' => '{CSRF}'],"));
    let started = std::time::Instant::now();
    // An unknown e-mail costs no bcrypt verify, so only the pause takes time.
    assert_invalid_login(&Attempt::from("192.0.2.1").login(&site.app, NOBODY).await);
    assert!(started.elapsed() >= std::time::Duration::from_millis(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_guesses_sent_at_once_gets_no_more_than_the_limit() {
    let site = site("");
    let editor = EDITOR.0;
    let mut burst = tokio::task::JoinSet::new();
    for n in 0..12u8 {
        let app = site.app.clone();
        burst.spawn(async move {
            // Basic auth from one address and the login route from others:
            // both count against the one account.
            if n % 2 == 0 {
                Attempt::from("192.0.2.50")
                    .basic(&app, &format!("{editor}:{WRONG}-{n}"))
                    .await
            } else {
                Attempt::from(&format!("198.51.100.{n}"))
                    .login(&app, (editor, WRONG))
                    .await
            }
        });
    }
    while let Some(answer) = burst.join_next().await {
        assert_ne!(answer.unwrap().0, StatusCode::OK);
    }
    let log = logins(site.root());
    assert_eq!(
        log["by-email"][editor]["trials"], 3,
        "only the first three guesses may be checked: {log}"
    );
    let (status, _) = Attempt::from("203.0.113.9").login(&site.app, EDITOR).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the account is locked now");
}
