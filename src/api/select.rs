//! `select` and `view` (api.md §2.5): which fields of a model an answer shows.
//!
//! `select` comes as a comma list (`select=id,title`) or as a PHP array
//! (`select[]=id&select[parent][]=slug&select[children]=compact`): a plain
//! entry names a field, a keyed string names the field's sub-view, a keyed
//! array its sub-fields.

use super::call::Call;
use super::error::{ApiError, ApiResult, Class};
use super::request::Param;
use super::tree::Name;

/// How a nested model (a page's parent, a user's role, ...) is rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The nested model's own default view.
    Default,
    /// A named view such as `compact`.
    View(&'static str),
    /// A view named in the request (`select[parent]=compact`).
    Named(String),
    /// Exactly these fields.
    Fields(Vec<String>),
}

/// The fields to render, each with how its nested model is shown.
pub type Selection = Vec<(Name, Pick)>;

/// A model kind's named views. `default: None` means "all fields".
pub struct Views {
    pub default: Option<&'static [(&'static str, Pick)]>,
    pub named: &'static [(&'static str, &'static [(&'static str, Pick)])],
    pub all: &'static [&'static str],
}

impl Views {
    fn named(&self, name: &str) -> Option<Selection> {
        if name == "any" {
            return Some(
                self.all
                    .iter()
                    .map(|&f| (Name::Borrowed(f), Pick::Default))
                    .collect(),
            );
        }
        if name == "default" {
            return self.default.map(owned);
        }
        self.named
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, fields)| owned(fields))
    }

    /// The default view, or all fields for kinds without one.
    pub fn default_selection(&self) -> Selection {
        self.default.map(owned).unwrap_or_else(|| {
            self.all
                .iter()
                .map(|&f| (Name::Borrowed(f), Pick::Default))
                .collect()
        })
    }

    /// A view by name; an unknown name falls back to the default view, and
    /// is an error for kinds that have none. Kirby answers that with a 500;
    /// it is the client's mistake, so Folio says so with a 400 and Kirby's
    /// message.
    pub fn view(&self, name: &str) -> ApiResult<Selection> {
        match self.named(name) {
            Some(selection) => Ok(selection),
            None if self.default.is_some() => Ok(self.default_selection()),
            None => Err(ApiError::bad_request(format!(
                "The view \"{name}\" does not exist"
            ))),
        }
    }

    /// A nested pick resolved against this kind's views.
    pub fn pick(&self, pick: &Pick) -> ApiResult<Selection> {
        match pick {
            Pick::Default => Ok(self.default_selection()),
            Pick::View(name) => self.view(name),
            Pick::Named(name) => self.view(name),
            Pick::Fields(fields) => Ok(fields
                .iter()
                .map(|f| (Name::Owned(f.clone()), Pick::Default))
                .collect()),
        }
    }
}

fn owned(fields: &[(&'static str, Pick)]) -> Selection {
    fields
        .iter()
        .map(|&(f, ref p)| (Name::Borrowed(f), p.clone()))
        .collect()
}

/// The `select` of the request, in either form.
fn requested(call: &Call) -> ApiResult<Option<Selection>> {
    match call.query.param("select") {
        None => Ok(None),
        Some(Param::Plain(list)) => Ok(Some(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|f| (Name::Owned(f.to_owned()), Pick::Default))
                .collect(),
        )),
        Some(Param::Array(entries)) => from_array(&entries).map(Some),
    }
}

/// Builds a selection from `select[…]` entries the way PHP builds the
/// array (a later entry for a key replaces an earlier one of another
/// kind) and Kirby reads it.
// FIXME: sub-selections go one level deep (`select[parent][]=id`); deeper
// ones (`select[parent][parent][]=id`) are ignored.
fn from_array(entries: &[(Vec<&str>, &str)]) -> ApiResult<Selection> {
    let mut selection: Selection = Vec::new();
    for (parts, value) in entries {
        let (field, pick) = match parts.as_slice() {
            [index] if is_list_index(index) => (Name::Owned((*value).to_owned()), Pick::Default),
            [key] => (
                Name::Owned((*key).to_owned()),
                Pick::Named((*value).to_owned()),
            ),
            [key, index] if !is_list_index(key) && is_list_index(index) => (
                Name::Owned((*key).to_owned()),
                Pick::Fields(vec![(*value).to_owned()]),
            ),
            _ => continue,
        };
        match selection.iter_mut().find(|(f, _)| *f == field) {
            Some((_, Pick::Fields(fields))) if matches!(&pick, Pick::Fields(_)) => {
                fields.extend(fields_of(pick));
            }
            Some((_, existing)) => *existing = pick,
            None => selection.push((field, pick)),
        }
    }
    if selection
        .iter()
        .any(|(_, p)| *p == Pick::Named("any".into()))
    {
        return Err(ApiError::message(
            Class::InvalidArgument,
            "Invalid sub view: \"any\"",
        ));
    }
    Ok(selection)
}

fn fields_of(pick: Pick) -> Vec<String> {
    match pick {
        Pick::Fields(fields) => fields,
        _ => Vec::new(),
    }
}

/// `[]` or a number: PHP appends to the list (or sets a numbered slot).
fn is_list_index(part: &str) -> bool {
    part.chars().all(|c| c.is_ascii_digit())
}

/// The selection of a single-model answer: `view` wins over `select`.
pub fn for_model(call: &Call, views: &Views) -> ApiResult<Selection> {
    if let Some(view) = call.query.get("view") {
        return views.view(view);
    }
    if let Some(selection) = requested(call)? {
        return Ok(selection);
    }
    Ok(views.default_selection())
}

/// The selection of each collection item: `select` wins over `view`.
pub fn for_items(call: &Call, views: &Views, item_default: &Selection) -> ApiResult<Selection> {
    if let Some(selection) = requested(call)? {
        return Ok(selection);
    }
    if let Some(view) = call.query.get("view") {
        return views.view(view);
    }
    Ok(item_default.clone())
}
