use std::path::PathBuf;

use super::*;
use crate::auth::session::SessionLifetimes;
use crate::store::model::Translated;

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn user(totp: Option<&str>) -> User {
    let mut secrets = serde_json::Map::new();
    if let Some(secret) = totp {
        secrets.insert("totp".into(), secret.into());
    }
    User {
        id: "abc".into(),
        email: "someone@example.com".into(),
        language: "en".into(),
        name: None,
        role: "admin".into(),
        dir: PathBuf::new(),
        password_hash: String::new(),
        password_modified: None,
        secrets,
        content: Translated::default(),
        avatar: None,
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn session() -> SessionData {
    SessionData::new_normal(NOW, &SessionLifetimes::default())
}

#[test]
fn the_first_available_challenge_wins() {
    let default = names(&["totp", "email"]);
    assert_eq!(choose(&default, &user(Some(SECRET))), Some(Kind::Totp));
    assert_eq!(choose(&default, &user(None)), Some(Kind::Email));
    assert_eq!(
        choose(&default, &user(Some("too-short"))),
        Some(Kind::Email),
        "a broken secret is no secret"
    );
    assert_eq!(
        choose(&names(&["email", "totp"]), &user(Some(SECRET))),
        Some(Kind::Email)
    );
    assert_eq!(choose(&names(&["totp"]), &user(None)), None);
    assert_eq!(
        choose(&names(&["sms", "email"]), &user(None)),
        Some(Kind::Email)
    );
    assert_eq!(choose(&[], &user(None)), None);
}

#[test]
fn the_fallback_is_the_last_enabled_challenge() {
    assert_eq!(fallback_name(&names(&["totp", "email"])), "email");
    assert_eq!(fallback_name(&names(&["email", "totp"])), "totp");
    assert_eq!(fallback_name(&[]), "email");
}

#[test]
fn a_written_challenge_reads_back() {
    let mut data = session();
    data.set("kirby.csrf", SessionValue::Str("token".into()));
    data.set(FAILURES, SessionValue::Int(3));
    NewChallenge {
        email: "someone@example.com",
        mode: Mode::TwoFactor,
        kind: Some(Kind::Email),
        code_hash: Some("$2y$10$hash".into()),
        expires: NOW + 600,
        long: true,
    }
    .write(&mut data);
    let pending = Pending::read(&data).unwrap();
    assert_eq!(
        pending,
        Pending {
            email: "someone@example.com".into(),
            kind: Some("email".into()),
            mode: Some(Mode::TwoFactor),
            timeout: Some(NOW + 600),
            code_hash: Some("$2y$10$hash".into()),
            long: Some(true),
            failures: 0,
        },
        "a new challenge starts without failures"
    );
    assert_eq!(data.get_str("kirby.csrf"), Some("token"), "other keys stay");
    assert_eq!(
        data.get_str(MODE),
        Some("2fa"),
        "Kirby's mode names are stored"
    );
}

#[test]
fn an_unknown_user_stores_no_type() {
    let mut data = session();
    NewChallenge {
        email: "nobody@example.com",
        mode: Mode::Login,
        kind: None,
        code_hash: None,
        expires: NOW + 600,
        long: false,
    }
    .write(&mut data);
    let pending = Pending::read(&data).unwrap();
    assert_eq!(pending.kind, None);
    assert!(!pending.accepts(&user(None), "123456", NOW));
    let enabled = names(&["totp", "email"]);
    assert_eq!(
        open_challenge(Some(&data), &enabled, NOW),
        Some(("email".into(), "nobody@example.com".into()))
    );
}

#[test]
fn challenges_expire_after_their_timeout() {
    let mut data = session();
    data.set(EMAIL, SessionValue::Str("someone@example.com".into()));
    data.set(TYPE, SessionValue::Str("totp".into()));
    data.set(TIMEOUT, SessionValue::Int(NOW + 600));
    let pending = Pending::read(&data).unwrap();
    assert!(!pending.is_expired(NOW + 600));
    assert!(pending.is_expired(NOW + 601));
    let enabled = names(&["totp", "email"]);
    assert!(open_challenge(Some(&data), &enabled, NOW + 600).is_some());
    assert_eq!(open_challenge(Some(&data), &enabled, NOW + 601), None);
    assert_eq!(open_challenge(None, &enabled, NOW), None);
    assert_eq!(open_challenge(Some(&session()), &enabled, NOW), None);
}

#[test]
fn codes_are_checked_by_type() {
    let hash = password::hash("123456").unwrap();
    let mut email = session();
    email.set(EMAIL, SessionValue::Str("someone@example.com".into()));
    email.set(TYPE, SessionValue::Str("email".into()));
    email.set(CODE, SessionValue::Str(hash));
    let pending = Pending::read(&email).unwrap();
    assert!(pending.accepts(&user(None), "123456", NOW));
    assert!(!pending.accepts(&user(None), "123457", NOW));
    assert!(!pending.accepts(&user(None), "", NOW));

    let with_secret = user(Some(SECRET));
    let code = totp_of(&with_secret).unwrap().code_at(NOW, 6);
    let mut totp = session();
    totp.set(EMAIL, SessionValue::Str("someone@example.com".into()));
    totp.set(TYPE, SessionValue::Str("totp".into()));
    let pending = Pending::read(&totp).unwrap();
    assert!(pending.accepts(&with_secret, &code, NOW));
    assert!(!pending.accepts(&with_secret, &code, NOW + 90));
    assert!(
        !pending.accepts(&user(None), &code, NOW),
        "no secret, no TOTP"
    );

    totp.set(TYPE, SessionValue::Str("sms".into()));
    assert!(
        !Pending::read(&totp)
            .unwrap()
            .accepts(&with_secret, &code, NOW)
    );
}

#[test]
fn mode_names_round_trip() {
    for mode in [Mode::Login, Mode::PasswordReset, Mode::TwoFactor] {
        assert_eq!(Mode::parse(mode.as_str()), Some(mode));
    }
    assert_eq!(Mode::parse("other"), None);
}
