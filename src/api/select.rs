//! `select` and `view` (api.md §2.5): which fields of a model an answer shows.

use super::call::Call;
use super::error::{ApiError, ApiResult};

/// How a nested model (a page's parent, a user's role, ...) is rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The nested model's own default view.
    Default,
    /// A named view such as `compact`.
    View(&'static str),
    /// Exactly these fields.
    Fields(Vec<String>),
}

/// The fields to render, each with how its nested model is shown.
pub type Selection = Vec<(String, Pick)>;

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
                    .map(|f| (f.to_string(), Pick::Default))
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
                .map(|f| (f.to_string(), Pick::Default))
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
            Pick::Fields(fields) => Ok(fields.iter().map(|f| (f.clone(), Pick::Default)).collect()),
        }
    }
}

fn owned(fields: &[(&'static str, Pick)]) -> Selection {
    fields
        .iter()
        .map(|(f, p)| (f.to_string(), p.clone()))
        .collect()
}

fn select_list(call: &Call) -> Option<Vec<String>> {
    let raw = call.query.get("select")?;
    Some(
        raw.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// The selection of a single-model answer: `view` wins over `select`.
pub fn for_model(call: &Call, views: &Views) -> ApiResult<Selection> {
    if let Some(view) = call.query.get("view") {
        return views.view(view);
    }
    if let Some(fields) = select_list(call) {
        return Ok(fields.into_iter().map(|f| (f, Pick::Default)).collect());
    }
    Ok(views.default_selection())
}

/// The selection of each collection item: `select` wins over `view`.
pub fn for_items(call: &Call, views: &Views, item_default: &Selection) -> ApiResult<Selection> {
    if let Some(fields) = select_list(call) {
        return Ok(fields.into_iter().map(|f| (f, Pick::Default)).collect());
    }
    if let Some(view) = call.query.get("view") {
        return views.view(view);
    }
    Ok(item_default.clone())
}
