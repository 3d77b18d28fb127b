//! The one error type of the API and the Kirby error envelope it renders to.
//!
//! Handlers return `ApiError`; only [`ApiError::to_body`] turns one into
//! JSON. Kirby's envelope is part of the contract: `status, message, code,
//! key, details` in that order, plus `exception, file, line, route` in debug
//! mode. Messages of Kirby exceptions are translated into the acting user's
//! Panel language; other failures show a generic text unless debug is on.

use serde_json::{Map, Value, json};

use crate::i18n::{Translations, fill};

/// The exception class Kirby would have thrown. It decides the default key,
/// the default message and the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Auth,
    Permission,
    NotFound,
    InvalidArgument,
    Duplicate,
    Logic,
    ErrorPage,
    /// Kirby's base exception class (`error.general`, 500).
    General,
    /// A plain PHP exception, not one of Kirby's: no key, generic message
    /// outside debug mode.
    Plain,
    /// A PHP `TypeError`: also keyless, kept apart for its class name.
    Type,
}

impl Class {
    fn default_key(self) -> Option<&'static str> {
        Some(match self {
            Class::Auth => "error.auth",
            Class::Permission => "error.permission",
            Class::NotFound => "error.notFound",
            Class::InvalidArgument => "error.invalidArgument",
            Class::Duplicate => "error.duplicate",
            Class::Logic => "error.logic",
            Class::ErrorPage => "error.errorPage",
            Class::General => "error.general",
            Class::Plain | Class::Type => return None,
        })
    }

    fn default_message(self) -> &'static str {
        match self {
            Class::Auth => "Unauthenticated",
            Class::Permission => "You are not allowed to do this",
            Class::NotFound => "Not found",
            Class::InvalidArgument => "Invalid argument",
            Class::Duplicate => "The entry exists",
            Class::Logic => "This task cannot be finished",
            Class::ErrorPage => "An error occurred",
            Class::General | Class::Plain | Class::Type => "An error occurred",
        }
    }

    fn default_status(self) -> u16 {
        match self {
            Class::Auth => 401,
            Class::Permission => 403,
            Class::NotFound | Class::ErrorPage => 404,
            Class::InvalidArgument | Class::Duplicate | Class::Logic => 400,
            Class::General | Class::Plain | Class::Type => 500,
        }
    }

    fn php_name(self) -> &'static str {
        match self {
            Class::Auth => "Kirby\\Exception\\AuthException",
            Class::Permission => "Kirby\\Exception\\PermissionException",
            Class::NotFound => "Kirby\\Exception\\NotFoundException",
            Class::InvalidArgument => "Kirby\\Exception\\InvalidArgumentException",
            Class::Duplicate => "Kirby\\Exception\\DuplicateException",
            Class::Logic => "Kirby\\Exception\\LogicException",
            Class::ErrorPage => "Kirby\\Exception\\ErrorPageException",
            Class::General => "Kirby\\Exception\\Exception",
            Class::Plain => "Exception",
            Class::Type => "TypeError",
        }
    }
}

/// An API failure, described in Kirby's terms.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub class: Class,
    /// The translation key without its `error.` prefix decides the message.
    pub key: Option<String>,
    /// Used when the key has no translation, and as the only message of
    /// plain exceptions (shown in debug mode only).
    pub fallback: Option<String>,
    pub data: Vec<(&'static str, String)>,
    pub status: u16,
    pub details: Value,
    /// The change was planned on a snapshot that went stale before it could
    /// be written; the call runs the handler again on the fresh snapshot.
    pub stale: bool,
}

/// What rendering an error needs to know about the request.
pub struct ErrorContext<'a> {
    pub translations: &'a Translations,
    pub language: &'a str,
    pub debug: bool,
    /// The compiled regex of the matched route, for debug output.
    pub route: Option<&'a str>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(class: Class) -> ApiError {
        ApiError {
            class,
            key: class.default_key().map(str::to_owned),
            fallback: None,
            data: Vec::new(),
            status: class.default_status(),
            details: Value::Array(Vec::new()),
            stale: false,
        }
    }

    /// A concurrent write changed the folder under this request's plan.
    pub fn stale() -> ApiError {
        let message = "The content changed while this request ran; please try again";
        ApiError {
            stale: true,
            ..ApiError::message(Class::Logic, message).status(409)
        }
    }

    /// A Kirby exception with a translation key such as `error.page.notFound`.
    pub fn keyed(class: Class, key: &str) -> ApiError {
        ApiError {
            key: Some(key.to_owned()),
            ..ApiError::new(class)
        }
    }

    /// A Kirby exception thrown with a message string only: it keeps the
    /// class's default key (`Invalid CSRF token` → `error.invalidArgument`).
    pub fn message(class: Class, message: impl Into<String>) -> ApiError {
        ApiError {
            fallback: Some(message.into()),
            ..ApiError::new(class)
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> ApiError {
        self.data.push((name, value.into()));
        self
    }

    /// The message to show instead of the key's translation.
    pub fn with_fallback(mut self, message: String) -> ApiError {
        self.fallback = Some(message);
        self
    }

    pub fn status(mut self, status: u16) -> ApiError {
        self.status = status;
        self
    }

    pub fn details(mut self, details: Value) -> ApiError {
        self.details = details;
        self
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(Class::Auth)
    }

    pub fn invalid_login() -> ApiError {
        ApiError::keyed(Class::Permission, "error.access.login")
    }

    pub fn page_not_found(id: &str) -> ApiError {
        ApiError::keyed(Class::NotFound, "error.page.notFound").with("slug", id)
    }

    pub fn file_not_found(filename: &str) -> ApiError {
        ApiError::keyed(Class::NotFound, "error.file.notFound").with("filename", filename)
    }

    pub fn user_not_found(name: &str) -> ApiError {
        ApiError::keyed(Class::NotFound, "error.user.notFound").with("name", name)
    }

    /// Kirby's answer when no route matched the path and method.
    pub fn no_route(path: &str, method: &str) -> ApiError {
        let message =
            format!("No route found for path: \"{path}\" and request method: \"{method}\"");
        ApiError {
            fallback: Some(message),
            ..ApiError::new(Class::Plain)
        }
        .status(404)
    }

    /// A client mistake that Kirby answers with a crash; Folio answers 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::message(Class::InvalidArgument, message)
    }

    /// An internal failure. The details go to the log, never to the client.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            fallback: Some(message.into()),
            ..ApiError::new(Class::Plain)
        }
    }

    fn text(&self, ctx: &ErrorContext) -> String {
        let generic = || {
            ctx.translations
                .message(ctx.language, "error.unexpected")
                .unwrap_or_else(|| "An unexpected error occurred".into())
        };
        if matches!(self.class, Class::Plain | Class::Type) && !ctx.debug {
            return generic();
        }
        if let Some(fallback) = &self.fallback {
            return fill(fallback, &self.data);
        }
        let translated = self
            .key
            .as_deref()
            .and_then(|k| ctx.translations.message(ctx.language, k));
        let template = translated.unwrap_or_else(|| self.class.default_message().to_owned());
        fill(&template, &self.data)
    }

    /// The HTTP status and Kirby's error body.
    pub fn to_body(&self, ctx: &ErrorContext) -> (u16, Value) {
        let status = if (400..600).contains(&self.status) {
            self.status
        } else {
            500
        };
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("message".into(), json!(self.text(ctx)));
        body.insert("code".into(), json!(self.status));
        if ctx.debug {
            body.insert("exception".into(), json!(self.class.php_name()));
        }
        body.insert("key".into(), json!(self.key));
        if ctx.debug {
            body.insert("file".into(), json!("/src/api"));
            body.insert("line".into(), json!(0));
        }
        body.insert("details".into(), self.details.clone());
        if ctx.debug {
            body.insert("route".into(), json!(ctx.route));
        }
        (status, Value::Object(body))
    }
}

impl From<crate::store::accounts::AccountError> for ApiError {
    fn from(error: crate::store::accounts::AccountError) -> ApiError {
        use crate::store::accounts::AccountError as E;
        match error {
            E::InvalidEmail => ApiError::keyed(Class::InvalidArgument, "error.user.email.invalid"),
            E::Duplicate(email) => {
                ApiError::keyed(Class::Duplicate, "error.user.duplicate").with("email", email)
            }
            E::PasswordTooShort => {
                ApiError::keyed(Class::InvalidArgument, "error.user.password.invalid")
            }
            E::PasswordTooLong => {
                ApiError::keyed(Class::InvalidArgument, "error.user.password.excessive")
            }
            E::InvalidLanguage => {
                ApiError::keyed(Class::InvalidArgument, "error.user.language.invalid")
            }
            E::Io(e) => ApiError::internal(format!("cannot write the account: {e}")),
            E::Hash(e) => ApiError::internal(format!("cannot hash the password: {e}")),
            E::Unwritable(path) => ApiError::internal(format!("cannot safely rewrite `{path}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(translations: &Translations, debug: bool) -> ErrorContext<'_> {
        ErrorContext {
            translations,
            language: "en",
            debug,
            route: Some("pages/x"),
        }
    }

    #[test]
    fn renders_the_production_envelope() {
        let translations = Translations::default();
        let (status, body) = ApiError::page_not_found("nope").to_body(&ctx(&translations, false));
        assert_eq!(status, 404);
        assert_eq!(
            crate::api::json::encode(&body, false),
            r#"{"status":"error","message":"The page \"nope\" cannot be found","code":404,"key":"error.page.notFound","details":[]}"#
        );
    }

    #[test]
    fn hides_plain_messages_outside_debug() {
        let translations = Translations::default();
        let error = ApiError::no_route("nope", "GET");
        let (_, body) = error.to_body(&ctx(&translations, false));
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("An unexpected error occurred!")
        );
        assert_eq!(body["key"], Value::Null);
        let (_, body) = error.to_body(&ctx(&translations, true));
        assert_eq!(
            body["message"],
            "No route found for path: \"nope\" and request method: \"GET\""
        );
        assert_eq!(body["exception"], "Exception");
        assert_eq!(body["route"], "pages/x");
    }

    #[test]
    fn a_message_only_exception_keeps_the_class_key() {
        let translations = Translations::default();
        let error = ApiError::message(Class::InvalidArgument, "Invalid CSRF token");
        let (status, body) = error.to_body(&ctx(&translations, false));
        assert_eq!(status, 400);
        assert_eq!(body["key"], "error.invalidArgument");
        assert_eq!(body["message"], "Invalid CSRF token");
    }
}
