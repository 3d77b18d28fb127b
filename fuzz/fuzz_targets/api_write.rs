//! Any write request a logged-in admin could send: the first input line is
//! `<method> <path below /api/>`, the rest is the body, sent as JSON (or as
//! multipart when it starts with `--B`). Every answer must be a JSON object,
//! and no input may give a 500: a client must never be able to make Folio
//! fail by what it sends. The site folder drifts from run to run; that is
//! the point.
#![no_main]

mod common;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

use common::{CSRF, fixture, headers};
use folio::api::call::{self, Incoming};

const METHODS: &[&str] = &["POST", "PATCH", "DELETE", "GET"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (line, body) = text.split_once('\n').unwrap_or((text, ""));
    let (method, path) = line.split_once(' ').unwrap_or(("PATCH", line));
    let method = METHODS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("PATCH");
    let content_type = if body.starts_with("--B") {
        "multipart/form-data; boundary=B"
    } else {
        "application/json"
    };
    let fixture = fixture();
    let request = Incoming::new(
        method,
        &headers(&[
            ("cookie", &fixture.cookie),
            ("x-csrf", CSRF),
            ("content-type", content_type),
        ]),
        None,
        path.trim_start_matches('/').to_owned(),
        Bytes::from(body.to_owned()),
        None,
    );
    let done = call::run(&fixture.app, request);
    assert!(
        done.status < 500,
        "{method} {path:?} with {body:?} answered {}: {}",
        done.status,
        done.body
    );
    if !done.body.is_empty() {
        let answer: serde_json::Value = serde_json::from_str(&done.body).expect("a JSON body");
        assert!(answer.is_object() || answer.is_array(), "{}", done.body);
    }
});
