//! `/api/languages…`: listing, creating, updating and deleting content
//! languages (api.md §4.11). The routes exist only with the `languages`
//! option; writes go through [`crate::store::languages`].

use serde_json::Value;

use super::super::access::language_can;
use super::super::call::Call;
use super::super::error::{ApiError, ApiResult, Class};
use super::super::models::language::{VIEWS, render};
use super::super::reply::{Reply, paginate};
use super::super::request::Body;
use super::super::select;
use crate::format::php::{PhpArray, PhpKey, PhpValue};
use crate::format::slug::{slug, trim_php};
use crate::store::languages::{
    self as store, LanguageError, LanguageSpec, category_name, language_path, locale_from_json,
    read_raw,
};
use crate::store::scan::Roots;
use crate::store::{Language, Touched};

#[path = "languages_content.rs"]
pub mod content;

/// Kirby's generic slug length, used for language codes.
const CODE_MAX_CHARS: usize = 128;

pub fn list(call: &mut Call) -> ApiResult<Reply> {
    let (items, pagination) = paginate(call, call.site.languages.clone())?;
    let selection = select::for_items(call, &VIEWS, &VIEWS.default_selection())?;
    let rendered: ApiResult<Vec<_>> = items.iter().map(|l| render(call, l, &selection)).collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    match find(call) {
        Some(language) => model(call, &language.code),
        None => Ok(Reply::NotFound),
    }
}

pub fn create(call: &mut Call) -> ApiResult<Reply> {
    if !language_can(call, "create") {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.language.create.permission",
        ));
    }
    refuse_malformed(call)?;
    let code = slug(
        &text(call.body.get("code"), "error.language.code")?.unwrap_or_default(),
        CODE_MAX_CHARS,
    );
    let name = text(call.body.get("name"), "error.language.name")?.map(|n| trim_php(&n).to_owned());
    let first = call.site.languages.is_empty();
    let spec = LanguageSpec {
        name: name.unwrap_or_else(|| code.clone()),
        default: first || call.body.get("default") == Some(Value::Bool(true)),
        direction: direction(call.body.get("direction")),
        locale: locale_from_json(&call.body.get("locale").unwrap_or(Value::Null), &code)
            .map_err(invalid)?,
        url: url(call.body.get("url"))?,
        translations: translations(call.body.get("translations"))?.unwrap_or_default(),
        code,
    };
    validate_code(&spec)?;
    validate_name(&spec)?;
    if call.site.languages.iter().any(|l| l.code == spec.code) {
        return Err(
            ApiError::keyed(Class::Duplicate, "error.language.duplicate")
                .with("code", &spec.code)
                .status(400),
        );
    }
    // FIXME: a new default language and the demotion of the old one are two
    // journal runs, so a crash between them can leave two defaults (Kirby
    // then uses the first one by code, as Folio does).
    let demoted = if spec.default && !first {
        demote_default(call)
    } else {
        None
    };
    let roots = roots(call);
    write(call, |site| {
        store::create(site, &roots, &spec)?;
        demoted
            .map(|old| store::save(&roots, &[old]))
            .transpose()
            .map(|_| ())
    })?;
    model(call, &spec.code)
}

pub fn update(call: &mut Call) -> ApiResult<Reply> {
    let Some(language) = find(call) else {
        return Ok(Reply::NotFound);
    };
    if !language_can(call, "update") {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.language.update.permission",
        ));
    }
    refuse_malformed(call)?;
    let roots = roots(call);
    let mut spec = spec_of(&roots, &language);
    apply_changes(call, &mut spec)?;
    validate_name(&spec)?;
    let mut changed = vec![spec.clone()];
    if spec.default && !language.default {
        changed.extend(demote_default(call));
    } else if language.default && !spec.default && call.site.languages.len() > 1 {
        return Err(ApiError::message(
            Class::Logic,
            "Please select another language to be the primary language",
        ));
    }
    write(call, |_| store::save(&roots, &changed))?;
    model(call, &spec.code)
}

pub fn delete(call: &mut Call) -> ApiResult<Reply> {
    let Some(language) = find(call) else {
        return Ok(Reply::NotFound);
    };
    if !language_can(call, "delete") {
        return Err(ApiError::keyed(
            Class::Permission,
            "error.language.delete.permission",
        ));
    }
    if language.default && call.site.languages.len() > 1 {
        // Kirby answers this with a 500; it is the client's mistake (deviations.json).
        return Err(
            ApiError::message(Class::General, "The language cannot be deleted").status(400),
        );
    }
    let roots = roots(call);
    write(call, |site| store::delete(site, &roots, &language.code))?;
    Ok(Reply::Ok)
}

/// The content language a write goes to (api.md §1.5): the `language`
/// query parameter, else the `X-Language` header, else the default. On a
/// multi-language site an unknown code is refused before anything is
/// written; a single-language site ignores the hint (`None`).
pub fn write_language(call: &Call) -> ApiResult<Option<Language>> {
    if !call.app.config.languages || call.site.languages.is_empty() {
        return Ok(None);
    }
    let header = call.headers.get("x-language").and_then(|v| v.to_str().ok());
    let requested = call
        .query
        .get("language")
        .or(header)
        .filter(|code| !code.is_empty());
    let Some(code) = requested else {
        return Ok(call.site.default_language().cloned());
    };
    match call
        .site
        .languages
        .iter()
        .find(|l| l.code == code.to_lowercase())
    {
        Some(language) => Ok(Some(language.clone())),
        None => Err(ApiError::message(
            Class::InvalidArgument,
            format!("Invalid language: {code}"),
        )),
    }
}

/// The language the route names; codes match case-insensitively.
fn find(call: &Call) -> Option<Language> {
    let code = call.arg(0).to_lowercase();
    call.site.languages.iter().find(|l| l.code == code).cloned()
}

fn model(call: &Call, code: &str) -> ApiResult<Reply> {
    let Some(language) = call.site.languages.iter().find(|l| l.code == code) else {
        return Err(ApiError::internal(format!(
            "language `{code}` is missing after writing it"
        )));
    };
    let selection = select::for_model(call, &VIEWS)?;
    Ok(Reply::Model(render(call, language, &selection)?))
}

fn roots(call: &Call) -> Roots {
    Roots::for_site(call.app.store.root())
}

/// Runs a language change under the store's write lock and reloads the site.
fn write(
    call: &mut Call,
    change: impl FnOnce(&crate::store::Site) -> Result<(), LanguageError>,
) -> ApiResult<()> {
    // A language change can rename content files anywhere in the site.
    let result = call
        .app
        .store
        .write_if_current(&call.site, &Touched::Everything, change);
    call.site = call.app.store.site();
    match result {
        Ok(done) => done.map_err(|e| ApiError::internal(e.to_string())),
        Err(_stale) => Err(ApiError::stale()),
    }
}

fn refuse_malformed(call: &Call) -> ApiResult<()> {
    match &call.body {
        Body::Malformed => Err(ApiError::bad_request("The request body is not valid JSON")),
        Body::Json(value) if !value.is_object() => {
            Err(ApiError::bad_request("The request body must be an object"))
        }
        _ => Ok(()),
    }
}

/// The current default language, marked as no longer default.
fn demote_default(call: &Call) -> Option<LanguageSpec> {
    let old = call.site.languages.iter().find(|l| l.default)?;
    let mut spec = spec_of(&roots(call), old);
    spec.default = false;
    Some(spec)
}

/// What is stored of a language now: the parsed model plus its raw file.
fn spec_of(roots: &Roots, language: &Language) -> LanguageSpec {
    let raw = read_raw(&language_path(roots, &language.code));
    let locale = match &language.locale {
        Value::String(s) => vec![("LC_ALL".to_owned(), s.clone())],
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| Some((category_name(k)?.to_owned(), v.as_str()?.to_owned())))
            .collect(),
        _ => vec![("LC_ALL".to_owned(), language.code.clone())],
    };
    let translations = raw
        .get("translations")
        .and_then(PhpValue::as_array)
        .cloned()
        .unwrap_or_default();
    LanguageSpec {
        code: language.code.clone(),
        name: language.name.clone(),
        default: language.default,
        direction: language.direction.clone(),
        locale,
        url: language.url.clone(),
        translations,
    }
}

/// Lays the request's fields over `spec`. The code never changes; nested
/// maps (`locale`, `translations`) merge key by key, as Kirby's clone does.
fn apply_changes(call: &Call, spec: &mut LanguageSpec) -> ApiResult<()> {
    let body = &call.body;
    if let Some(name) = text(body.get("name"), "error.language.name")? {
        spec.name = trim_php(&name).to_owned();
    }
    if let Some(value) = body.get("direction") {
        spec.direction = direction(Some(value));
    }
    if let Some(value) = body.get("default") {
        spec.default = value == Value::Bool(true);
    }
    if let Some(value) = body.get("url") {
        spec.url = url(Some(value))?;
    }
    if let Some(value) = body.get("locale") {
        for (category, locale) in locale_from_json(&value, &spec.code).map_err(invalid)? {
            match spec.locale.iter_mut().find(|(c, _)| *c == category) {
                Some(slot) => slot.1 = locale,
                None => spec.locale.push((category, locale)),
            }
        }
    }
    if let Some(PhpArray(entries)) = translations(body.get("translations"))? {
        for (key, value) in entries {
            match spec.translations.0.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => spec.translations.0.push((key, value)),
            }
        }
    }
    Ok(())
}

fn validate_code(spec: &LanguageSpec) -> ApiResult<()> {
    if spec.code.chars().count() < 2 {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.language.code").with("code", &spec.code),
        );
    }
    Ok(())
}

fn validate_name(spec: &LanguageSpec) -> ApiResult<()> {
    if spec.name.is_empty() {
        return Err(
            ApiError::keyed(Class::InvalidArgument, "error.language.name").with("name", &spec.name),
        );
    }
    Ok(())
}

/// A text field: strings as they are, numbers as PHP prints them; any other
/// type is the field's own validation error.
fn text(value: Option<Value>, key: &str) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::keyed(Class::InvalidArgument, key)),
    }
}

fn direction(value: Option<Value>) -> String {
    if value.as_ref().and_then(Value::as_str) == Some("rtl") {
        "rtl"
    } else {
        "ltr"
    }
    .to_owned()
}

fn url(value: Option<Value>) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request("The language URL must be a string")),
    }
}

fn translations(value: Option<Value>) -> ApiResult<Option<PhpArray>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(PhpArray(
            map.iter()
                .map(|(k, v)| (PhpKey::from_str_key(k), php_value(v)))
                .collect(),
        ))),
        Some(Value::Array(list)) if list.is_empty() => Ok(Some(PhpArray::default())),
        Some(_) => Err(ApiError::bad_request("The translations must be an object")),
    }
}

fn php_value(value: &Value) -> PhpValue {
    match value {
        Value::Null => PhpValue::Null,
        Value::Bool(b) => PhpValue::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(PhpValue::Int)
            .unwrap_or_else(|| PhpValue::Float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => PhpValue::Str(s.clone()),
        Value::Array(list) => PhpValue::Array(PhpArray(
            list.iter()
                .enumerate()
                .map(|(i, v)| (PhpKey::Int(i as i64), php_value(v)))
                .collect(),
        )),
        Value::Object(map) => PhpValue::Array(PhpArray(
            map.iter()
                .map(|(k, v)| (PhpKey::from_str_key(k), php_value(v)))
                .collect(),
        )),
    }
}

fn invalid(error: LanguageError) -> ApiError {
    ApiError::bad_request(error.to_string())
}
