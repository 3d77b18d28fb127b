//! Blueprint form validation in the API (api.md §4.2): a content update
//! whose form would have errors is refused with Kirby's 400 `Invalid form
//! with errors`, a draft whose page has errors is not published (403
//! `error.page.changeStatus.incomplete`), and a page's `errors` show them.
//!
//! The rules are [`crate::blueprint::Checker`]'s; this module decides which
//! content they see. An update is checked as it will be stored: the request
//! language's content with the submitted values on top, and in a secondary
//! language the untranslatable fields as the default language has them.
//! Input for `disabled` fields is dropped, as Kirby's form ignores it. A
//! page's own errors are Kirby's per-section errors of its stored content:
//! each fields section's form, and the `min`/`max` of its pages and files
//! sections. Creating a page does not validate (Kirby creates drafts as given).

use serde_json::{Map, Value};

use super::call::Call;
use super::error::{ApiError, ApiResult, Class};
use super::handlers::languages::write_language;
use super::handlers::page_writes::stored_text;
use super::handlers::sections::list_errors;
use super::models::blueprint::Subject;
use super::models::content::references;
use super::models::file::Owner;
use crate::blueprint::{Blueprint, Checker, errors_value, text_values};
use crate::store::model::{Translated, fields_for};
use crate::store::{File, PageRef, User};

/// The model a content update changes: its form and its stored content.
pub struct Form<'a> {
    pub blueprint: &'a Blueprint,
    pub content: &'a Translated,
    pub owner: Owner<'a>,
}

impl<'a> Form<'a> {
    pub fn page(call: &'a Call, page: PageRef) -> Form<'a> {
        let p = &call.site.pages[page];
        Form {
            blueprint: call.app.blueprints.page(&p.template),
            content: &p.content,
            owner: Owner::Page(page),
        }
    }

    pub fn site(call: &'a Call) -> Form<'a> {
        Form {
            blueprint: call.app.blueprints.site(),
            content: &call.site.content,
            owner: Owner::Site,
        }
    }

    pub fn user(call: &'a Call, user: &'a User) -> Form<'a> {
        Form {
            blueprint: call.app.blueprints.user(&call.app.role(&user.role).name),
            content: &user.content,
            owner: Owner::User(&user.id),
        }
    }

    /// The meta content of a file, against the blueprint of its `template`.
    pub fn file(call: &'a Call, owner: Owner<'a>, file: &'a File, template: Option<&str>) -> Self {
        Form {
            blueprint: call.app.blueprints.file(template),
            content: &file.meta,
            owner,
        }
    }
}

/// The update's input without the fields the form ignores, when the form it
/// leads to has no errors; otherwise Kirby's 400 with the errors as `details`.
pub fn checked_input(
    call: &Call,
    form: &Form,
    mut input: Map<String, Value>,
) -> ApiResult<Map<String, Value>> {
    let bp = form.blueprint;
    input.retain(|key, _| !bp.field(key).is_some_and(|f| f.prop_flag("disabled")));
    let values = submitted_values(call, form, &input)?;
    let refs = references(call, form.owner);
    let language = call.ui_language();
    let checker = Checker {
        translations: &call.app.translations,
        language: &language,
        refs: &refs,
    };
    let errors = checker.form_errors(&bp.fields, &values);
    if errors.is_empty() {
        return Ok(input);
    }
    Err(
        ApiError::message(Class::InvalidArgument, "Invalid form with errors")
            .details(Value::Object(errors)),
    )
}

/// The values the model will hold once `input` is stored.
// FIXME: this reads the request's snapshot, not the one current under the
// write lock; a concurrent update of other fields is not part of the check.
fn submitted_values(
    call: &Call,
    form: &Form,
    input: &Map<String, Value>,
) -> ApiResult<Map<String, Value>> {
    let language = write_language(call)?;
    let default = call.site.default_language();
    let stored = fields_for(form.content, language.as_ref(), default);
    let mut values = text_values(stored.iter());
    for (key, value) in input {
        let name = key.to_lowercase();
        match stored_text(form.blueprint, key, value) {
            Some(text) => values.insert(name, Value::String(text)),
            None => values.remove(&name),
        };
    }
    let secondary = matches!((&language, default), (Some(l), Some(d)) if l.code != d.code);
    if secondary {
        let base = fields_for(form.content, default, default);
        for field in form.blueprint.fields.iter().filter(|f| !f.translate) {
            match base.get(&field.name) {
                Some(text) => values.insert(field.name.clone(), Value::String(text.to_owned())),
                None => values.remove(&field.name),
            };
        }
    }
    Ok(values)
}

/// The errors of a page's stored content in the request language, section
/// by section; a later section's entry replaces an earlier one of the same name.
pub fn page_errors(call: &Call, page: PageRef) -> Map<String, Value> {
    let p = &call.site.pages[page];
    let bp = call.app.blueprints.page(&p.template);
    let stored = fields_for(
        &p.content,
        call.language.as_ref(),
        call.site.default_language(),
    );
    let values = text_values(stored.iter());
    let refs = references(call, Owner::Page(page));
    let language = call.ui_language();
    let checker = Checker {
        translations: &call.app.translations,
        language: &language,
        refs: &refs,
    };
    let mut errors = Map::new();
    for section in &bp.sections {
        let found = match section.kind.as_str() {
            "fields" => checker.form_errors(&section.fields, &values),
            "pages" | "files" => list_errors(call, Subject::Page(page), section),
            _ => continue,
        };
        errors.extend(found);
    }
    errors
}

/// A page's `errors` as the page model shows them: an object, or `[]`.
pub fn page_errors_value(call: &Call, page: PageRef) -> Value {
    errors_value(page_errors(call, page))
}

/// Publishing a draft (to listed or unlisted) needs a page without errors.
pub fn check_publish(call: &Call, page: PageRef) -> ApiResult<()> {
    let errors = page_errors(call, page);
    if errors.is_empty() {
        return Ok(());
    }
    Err(
        ApiError::keyed(Class::Permission, "error.page.changeStatus.incomplete")
            .details(Value::Object(errors)),
    )
}
