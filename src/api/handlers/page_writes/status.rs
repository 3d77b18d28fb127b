//! `PATCH pages/(:any)/status` and the sorting numbers behind it
//! (storage.md §2.1).
//!
//! A status change is a folder rename: listed pages carry `<num>_`, unlisted
//! ones no prefix, drafts live in the parent's `_drafts/`. Under the
//! `default` num scheme the listed siblings are numbered 1…n, so listing,
//! unlisting or deleting a page renames its siblings as well; all those
//! renames are applied as one group that is undone if any of them fails.

use std::path::PathBuf;

use serde_json::Value;

use super::num_query::{self, Unsupported};
use super::{answer, children_dir, commit, denied, input};
use crate::api::access::page_can;
use crate::api::call::Call;
use crate::api::error::{ApiError, ApiResult, Class};
use crate::api::handlers::find_page;
use crate::api::reply::Reply;
use crate::api::validation::check_publish;
use crate::blueprint::NumScheme;
use crate::store::model::fields_for;
use crate::store::pages::{self as folders, no_faults};
use crate::store::{PageRef, Status};

type Moves = Vec<(PathBuf, PathBuf)>;

pub fn change_status(call: &mut Call) -> ApiResult<Reply> {
    let page = find_page(call, call.arg(0))?;
    input::require_object_body(call)?;
    let target = target_status(call.body.get("status"))?;
    let p = call.site.pages[page].clone();
    let bp = call.app.blueprints.page(&p.template);
    let config = &call.app.config;
    let home_or_error = p.id == config.home || p.id == config.error;
    let offered = bp.status.iter().any(|s| s == target.as_str())
        && !(target == Status::Draft && home_or_error);
    if !offered {
        return Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.page.status.invalid",
        ));
    }
    if !page_can(call, page, "changeStatus") {
        return Err(denied("error.page.changeStatus.permission", &p.slug));
    }
    if p.status == Status::Draft && target != Status::Draft {
        check_publish(call, page)?;
    }
    let moves = match target {
        Status::Draft | Status::Unlisted => unpublish(call, page, target),
        Status::Listed => list(call, page, position(call.body.get("position")))?,
    };
    let siblings = children_dir(call, p.parent);
    commit(call, &[siblings], |_| folders::renumber(&moves, &no_faults))?;
    answer(call, &p.id)
}

/// `draft`, `listed` or `unlisted`; a missing or non-string status is an
/// invalid one (Kirby crashes on `null`), other names are refused as Kirby does.
fn target_status(value: Option<Value>) -> ApiResult<Status> {
    match value {
        Some(Value::String(name)) => match name.as_str() {
            "draft" => Ok(Status::Draft),
            "listed" => Ok(Status::Listed),
            "unlisted" => Ok(Status::Unlisted),
            other => Err(ApiError::bad_request(format!("Invalid status: {other}"))),
        },
        _ => Err(ApiError::keyed(
            Class::InvalidArgument,
            "error.page.status.invalid",
        )),
    }
}

/// A requested position: an integer or a numeric string.
fn position(value: Option<Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Moves to `_drafts/<slug>` or to `<slug>`, closing the gap it leaves.
fn unpublish(call: &Call, page: PageRef, target: Status) -> Moves {
    let p = &call.site.pages[page];
    if p.status == target {
        return Vec::new();
    }
    let dir = children_dir(call, p.parent);
    let to = match target {
        Status::Draft => dir.join("_drafts").join(&p.slug),
        _ => dir.join(&p.slug),
    };
    let mut moves = vec![(p.dir.clone(), to)];
    moves.extend(close_gap(call, page));
    moves
}

/// The renames that renumber the listed siblings once `page` stops being
/// listed (unlisted, drafted, deleted). Nothing under other num schemes.
pub fn close_gap(call: &Call, page: PageRef) -> Moves {
    let p = &call.site.pages[page];
    if p.status != Status::Listed || call.app.blueprints.page(&p.template).num != NumScheme::Default
    {
        return Vec::new();
    }
    numbered(call, &listed_siblings(call, page), None)
}

/// Lists the page: its number by the blueprint's scheme, and under the
/// default scheme a place among its siblings (`position`, clamped).
fn list(call: &Call, page: PageRef, position: Option<i64>) -> ApiResult<Moves> {
    let p = &call.site.pages[page];
    let num = match &call.app.blueprints.page(&p.template).num {
        NumScheme::Zero => 0,
        NumScheme::Date => date_num(call, page, false),
        NumScheme::DateTime => date_num(call, page, true),
        NumScheme::Custom(query) => custom_num(call, page, query)?,
        NumScheme::Default => return list_in_order(call, page, position),
    };
    if p.status == Status::Listed && p.num == Some(num) {
        return Ok(Vec::new());
    }
    let to = children_dir(call, p.parent).join(format!("{num}_{}", p.slug));
    Ok(vec![(p.dir.clone(), to)])
}

fn list_in_order(call: &Call, page: PageRef, position: Option<i64>) -> ApiResult<Moves> {
    let p = &call.site.pages[page];
    let mut order = listed_siblings(call, page);
    let count = order.len() + 1;
    let current = (p.status == Status::Listed).then(|| listed_index(call, page) + 1);
    let wanted = position
        .or(current.map(|c| c as i64))
        .unwrap_or(count as i64);
    let at = wanted.clamp(1, count as i64) as usize;
    if current == Some(at) && p.num == Some(at as i64) {
        return Ok(Vec::new());
    }
    if current.is_some_and(|c| c != at) && !page_can(call, page, "sort") {
        return Err(denied("error.page.sort.permission", &p.slug));
    }
    order.insert(at - 1, page);
    Ok(numbered(call, &order, Some(page)))
}

/// Renames that give `order` the numbers 1…n. `page` (the one being listed)
/// may still be a draft or unlisted, so its target is built from the parent.
fn numbered(call: &Call, order: &[PageRef], page: Option<PageRef>) -> Moves {
    let pages = &call.site.pages;
    order
        .iter()
        .enumerate()
        .map(|(index, &r)| {
            let p = &pages[r];
            let name = format!("{}_{}", index + 1, p.slug);
            let to = if Some(r) == page {
                children_dir(call, p.parent).join(name)
            } else {
                p.dir.with_file_name(name)
            };
            (p.dir.clone(), to)
        })
        .filter(|(from, to)| from != to)
        .collect()
}

/// The listed siblings of `page` (without it), in their current order.
fn listed_siblings(call: &Call, page: PageRef) -> Vec<PageRef> {
    all_listed(call, page)
        .into_iter()
        .filter(|&r| r != page)
        .collect()
}

fn listed_index(call: &Call, page: PageRef) -> usize {
    all_listed(call, page)
        .iter()
        .position(|&r| r == page)
        .unwrap_or(0)
}

fn all_listed(call: &Call, page: PageRef) -> Vec<PageRef> {
    let site = &call.site;
    let children = match site.pages[page].parent {
        Some(parent) => &site.pages[parent].children,
        None => &site.children,
    };
    let mut listed: Vec<PageRef> = children
        .iter()
        .copied()
        .filter(|&r| site.pages[r].status == Status::Listed)
        .collect();
    listed.sort_by_key(|&r| site.pages[r].num.unwrap_or(0));
    listed
}

/// The number a custom `num:` query gives the page, from its content in
/// the default language; a query Folio cannot evaluate is refused.
fn custom_num(call: &Call, page: PageRef, query: &str) -> ApiResult<i64> {
    let default = call.site.default_language();
    let fields = fields_for(&call.site.pages[page].content, default, default);
    num_query::evaluate(query, &fields).map_err(|Unsupported(part)| {
        ApiError::message(
            Class::InvalidArgument,
            format!("The sorting number query \"{query}\" cannot be evaluated (at \"{part}\")"),
        )
    })
}

/// `YYYYMMDD` (or `YYYYMMDDHHMM`) from the page's `date` field in the
/// default language, else from the current time.
fn date_num(call: &Call, page: PageRef, with_time: bool) -> i64 {
    let p = &call.site.pages[page];
    let default = call.site.default_language();
    let fields = fields_for(&p.content, default, default);
    let parts = fields
        .get("date")
        .and_then(date_parts)
        .unwrap_or_else(|| now_parts(call.now));
    let [year, month, day, hour, minute] = parts;
    let date = year * 10_000 + month * 100 + day;
    if with_time {
        date * 10_000 + hour * 100 + minute
    } else {
        date
    }
}

/// `2024-02-03`, `2024-02-03 10:30:00` → year, month, day, hour, minute.
fn date_parts(text: &str) -> Option<[i64; 5]> {
    let numbers: Vec<i64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map_while(|s| s.parse().ok())
        .collect();
    let year = *numbers.first()?;
    let month = *numbers.get(1)?;
    let day = *numbers.get(2)?;
    let valid =
        (1000..=9999).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day);
    valid.then(|| {
        [
            year,
            month,
            day,
            numbers.get(3).copied().unwrap_or(0),
            numbers.get(4).copied().unwrap_or(0),
        ]
    })
}

fn now_parts(now: i64) -> [i64; 5] {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(now) else {
        return [1970, 1, 1, 0, 0];
    };
    [
        t.year() as i64,
        t.month() as i64,
        t.day() as i64,
        t.hour() as i64,
        t.minute() as i64,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dates_for_sorting_numbers() {
        assert_eq!(date_parts("2024-02-03"), Some([2024, 2, 3, 0, 0]));
        assert_eq!(
            date_parts("2024-02-03 10:30:00"),
            Some([2024, 2, 3, 10, 30])
        );
        assert_eq!(date_parts("soon"), None);
        assert_eq!(date_parts("2024-13-01"), None);
        assert_eq!(now_parts(0), [1970, 1, 1, 0, 0]);
    }

    #[test]
    fn statuses_are_checked_like_kirby() {
        assert_eq!(
            target_status(Some(Value::String("listed".into()))).unwrap(),
            Status::Listed
        );
        let invalid = target_status(Some(Value::String("published".into()))).unwrap_err();
        assert_eq!(
            invalid.fallback.as_deref(),
            Some("Invalid status: published")
        );
        let null = target_status(Some(Value::Null)).unwrap_err();
        assert_eq!(null.key.as_deref(), Some("error.page.status.invalid"));
        assert_eq!(position(Some(serde_json::json!("3"))), Some(3));
        assert_eq!(position(Some(serde_json::json!([3]))), None);
    }
}
