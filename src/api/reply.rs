//! The success envelopes of api.md §2: model, collection, the simple
//! `true`/`null` answers, and plain arrays returned as they are.

use serde_json::{Value, json};

use super::call::Call;
use super::error::{ApiError, ApiResult, Class};
use super::json::{encode, encode_tree};
use super::tree::Json;

pub enum Reply {
    /// `{"code":200,"data":…,"status":"ok","type":"model"}`.
    Model(Json),
    /// `{"code":200,"data":[…],"pagination":…,"status":"ok","type":"collection"}`.
    Collection(Vec<Json>, Pagination),
    /// A `true` result: `{"status":"ok","message":"ok","code":200}`.
    Ok,
    /// A `null` result: 404 `{"status":"error","message":"not found","code":404}`.
    NotFound,
    /// A plain array, sent verbatim.
    Raw(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pagination {
    pub page: usize,
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
}

impl Pagination {
    fn to_json(self) -> Value {
        json!({"page": self.page, "total": self.total, "offset": self.offset, "limit": self.limit})
    }
}

/// Picks the requested page of `items` (api.md §2.2): `page` from 1, `limit`
/// 100 by default and 20 for `0`; a page past the end is an error.
pub fn paginate<T>(call: &Call, items: Vec<T>) -> ApiResult<(Vec<T>, Pagination)> {
    let pagination = pagination_of(call, items.len())?;
    let page_items = items
        .into_iter()
        .skip(pagination.offset)
        .take(pagination.limit)
        .collect();
    Ok((page_items, pagination))
}

/// [`paginate`] over a borrowed list: the page is a sub-slice, so its cost
/// does not depend on how long the list is.
pub fn paginate_slice<'a, T>(call: &Call, items: &'a [T]) -> ApiResult<(&'a [T], Pagination)> {
    let pagination = pagination_of(call, items.len())?;
    let start = pagination.offset.min(items.len());
    let end = start.saturating_add(pagination.limit).min(items.len());
    Ok((items.get(start..end).unwrap_or(&[]), pagination))
}

/// The page, offset and limit a request asks for over `total` items.
fn pagination_of(call: &Call, total: usize) -> ApiResult<Pagination> {
    let number = |key: &str, default: usize| -> ApiResult<usize> {
        match call.query.get(key).map(str::trim) {
            None | Some("") => Ok(default),
            Some(raw) => raw.parse::<i64>().map(|n| n.max(0) as usize).map_err(|_| {
                ApiError::bad_request(format!("Invalid {key}: the value must be a number"))
            }),
        }
    };
    let limit = match number("limit", 100)? {
        0 => 20,
        n => n,
    };
    let requested = number("page", 1)?.max(1);
    let pages = total.div_ceil(limit);
    if requested > pages.max(1) {
        return Err(
            ApiError::keyed(Class::ErrorPage, "error.errorPage").with_fallback(format!(
                "Pagination page {requested} does not exist, expected {}-{pages}",
                if pages == 0 { 0 } else { 1 }
            )),
        );
    }
    let offset = (requested - 1).saturating_mul(limit);
    let page = if total == 0 { 0 } else { requested };
    Ok(Pagination {
        page,
        total,
        offset,
        limit,
    })
}

/// Status and body text of a successful reply.
///
/// The envelopes are built by moving the data in: `json!` would serialise
/// (deep-copy) an interpolated `Value`, which cost as much as rendering the
/// page itself (perf, issue 4).
pub fn render(_call: &Call, reply: Reply) -> (u16, String) {
    let body = match reply {
        Reply::Model(data) => envelope([
            ("code", Value::from(200).into()),
            ("data", empty_as_list(data)),
            ("status", Value::from("ok").into()),
            ("type", Value::from("model").into()),
        ]),
        Reply::Collection(items, pagination) => {
            let data = items.into_iter().map(empty_as_list).collect();
            envelope([
                ("code", Value::from(200).into()),
                ("data", Json::Array(data)),
                ("pagination", pagination.to_json().into()),
                ("status", Value::from("ok").into()),
                ("type", Value::from("collection").into()),
            ])
        }
        Reply::Ok => {
            let body = json!({"status": "ok", "message": "ok", "code": 200});
            return (200, encode(&body, false));
        }
        Reply::NotFound => {
            let body = json!({"status": "error", "message": "not found", "code": 404});
            return (404, encode(&body, false));
        }
        Reply::Raw(value) => return (raw_status(&value), encode(&value, false)),
    };
    (200, encode_tree(&body, false))
}

/// An object with these keys in this order, taking ownership of the values.
fn envelope<const N: usize>(fields: [(&'static str, Json); N]) -> Json {
    Json::Object(
        fields
            .into_iter()
            .map(|(key, value)| (key.into(), value))
            .collect(),
    )
}

/// A plain array with `"status":"error"` sets the HTTP status from its code.
fn raw_status(value: &Value) -> u16 {
    if value.get("status").and_then(Value::as_str) != Some("error") {
        return 200;
    }
    match value.get("code").and_then(Value::as_u64) {
        Some(code) if (400..600).contains(&code) => code as u16,
        Some(_) => 500,
        None => 400,
    }
}

/// PHP turns an empty associative array into `[]`.
fn empty_as_list(data: Json) -> Json {
    if data.is_empty_object() {
        Json::Array(Vec::new())
    } else {
        data
    }
}
