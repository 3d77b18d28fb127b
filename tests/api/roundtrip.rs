//! Content round trip: what a client PATCHes into a page is what it GETs back.
//!
//! The property, precisely. Take field names made of ASCII letters and digits
//! in words joined by runs of ` `, `_` or `-`, prefixed so none is a blueprint
//! field of the page, and values that are any Unicode text (line breaks of
//! every kind, `----` lines, NUL and other trimmed characters, surrounding
//! whitespace) except a line that starts with `\----`. After
//! `PATCH /api/pages/<id>` with those fields answers 200, `GET` shows each
//! under its read key (the words lowercased, joined by `_`) with the value
//! trimmed of PHP's `trim` set (space, tab, `\n`, `\r`, NUL, `\x0B`), and
//! every field the PATCH did not name is unchanged.
//!
//! Outside the property, as in Kirby: a value line starting with `\----` reads
//! back as `----`, and two names with the same read key collapse into one.

use std::cell::RefCell;

use axum::http::StatusCode;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

use super::common::{ADMIN, Client, TestSite};

const PAGE: &str = "/api/pages/projects+lighthouse";

/// Kept low so `cargo test` stays quick; each case is one PATCH and one GET.
const CASES: u32 = 48;

/// PHP's default `trim` characters.
const PHP_TRIM: &[char] = &[' ', '\t', '\n', '\r', '\0', '\x0B'];

fn field_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]{1,8}([ _-]{1,2}[a-zA-Z0-9]{1,6}){0,2}".prop_map(|name| format!("Zz{name}"))
}

/// The key Kirby shows for a stored name: its words, lowercased, joined by `_`.
fn read_key(name: &str) -> String {
    name.split([' ', '_', '-'])
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

fn value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "\\PC{0,12}",
        1 => Just("\n".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("\r".to_owned()),
        1 => Just("----".to_owned()),
        1 => Just("\n----\n".to_owned()),
        1 => Just("\n---- Key: value".to_owned()),
        1 => Just("  ".to_owned()),
        1 => Just("\t".to_owned()),
        1 => Just("\0".to_owned()),
        1 => Just("\x0B".to_owned()),
        1 => Just("\u{2028}".to_owned()),
        1 => Just("\u{feff}".to_owned()),
        1 => Just("Title: not a field".to_owned()),
    ];
    vec(piece, 0..8)
        .prop_map(|pieces| pieces.concat())
        .prop_filter("a `\\----` line start is lossy by design", |value| {
            !value.split('\n').any(|line| line.starts_with("\\----"))
        })
}

/// Fields with distinct read keys, so each one's expected value is unambiguous.
fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    btree_map(field_name(), value(), 1..5).prop_map(|map| {
        let mut seen = Vec::new();
        map.into_iter()
            .filter(|(name, _)| {
                let key = read_key(name);
                let fresh = !seen.contains(&key);
                seen.push(key);
                fresh
            })
            .collect()
    })
}

async fn content(client: &mut Client) -> Map<String, Value> {
    let reply = client.get(&format!("{PAGE}?select=content")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    match reply.json()["data"]["content"].take() {
        Value::Object(map) => map,
        other => panic!("content is not an object: {other}"),
    }
}

async fn check(client: &mut Client, fields: Vec<(String, String)>) -> Result<(), TestCaseError> {
    let before = content(client).await;
    let body: Map<String, Value> = fields
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    let reply = client.json("PATCH", PAGE, Value::Object(body)).await;
    prop_assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let after = content(client).await;
    let mut sent = Vec::new();
    for (name, value) in &fields {
        let key = read_key(name);
        let expected = value.trim_matches(PHP_TRIM);
        prop_assert_eq!(
            after.get(&key).and_then(Value::as_str),
            Some(expected),
            "{}",
            key
        );
        sent.push(key);
    }
    for (key, old) in &before {
        if !sent.contains(key) {
            prop_assert_eq!(after.get(key), Some(old), "untouched field {} changed", key);
        }
    }
    Ok(())
}

#[test]
fn patched_content_reads_back_unchanged() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let site = TestSite::new();
    let client = RefCell::new(site.client());
    runtime.block_on(client.borrow_mut().login(ADMIN));
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&fields(), |fields| {
        runtime.block_on(check(&mut client.borrow_mut(), fields))
    });
    if let Err(error) = outcome {
        panic!("{error}");
    }
}
