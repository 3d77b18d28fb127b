//! Page lookup by URL id: the route table match and the whole read call
//! (`GET /api/<path>` as a logged-in admin) on a temp copy of the fixture site.
//! Every answer must be a JSON envelope with a status the route can give; a
//! 500 is a bug for a read of a page.
#![no_main]

mod common;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

use common::{CSRF, fixture, headers};
use folio::api::call::{self, Incoming};
use folio::api::routes;

/// Statuses a `GET` below `pages/` may answer with.
const READ_STATUSES: &[u16] = &[200, 400, 403, 404];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The route table alone, with the method taken from the input's first line.
    let (method, path) = text.split_once('\n').unwrap_or(("GET", text));
    let _ = routes::find(path, method);

    let fixture = fixture();
    let id = text.replace('\n', "");
    let request = Incoming::new(
        "GET",
        &headers(&[("cookie", &fixture.cookie), ("x-csrf", CSRF)]),
        None,
        format!("pages/{id}"),
        Bytes::new(),
        None,
    );
    let done = call::run(&fixture.app, request);
    assert!(
        READ_STATUSES.contains(&done.status),
        "GET pages/{id:?} answered {}: {}",
        done.status,
        done.body
    );
    let body: serde_json::Value = serde_json::from_str(&done.body).expect("a JSON body");
    assert!(body.is_object(), "not an envelope: {}", done.body);
});
