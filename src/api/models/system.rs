//! The system model (api.md §5.8): what the Panel needs to know before and
//! after login.

use serde_json::{Map, Value, json};

use super::{render_fields, site, translation, user};
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;

/// The Kirby API version Folio answers as.
pub const KIRBY_VERSION: &str = "4.9.5";

pub static VIEWS: Views = Views {
    default: None,
    named: &[
        (
            "login",
            &[
                ("authStatus", Pick::Default),
                ("isInstallable", Pick::Default),
                ("isInstalled", Pick::Default),
                ("isOk", Pick::Default),
                ("loginMethods", Pick::Default),
                ("title", Pick::Default),
                ("translation", Pick::Default),
            ],
        ),
        (
            "troubleshooting",
            &[
                ("isInstallable", Pick::Default),
                ("isInstalled", Pick::Default),
                ("isOk", Pick::Default),
                ("requirements", Pick::Default),
                ("title", Pick::Default),
                ("translation", Pick::Default),
            ],
        ),
        (
            "panel",
            &[
                ("ascii", Pick::Default),
                ("defaultLanguage", Pick::Default),
                ("isInstalled", Pick::Default),
                ("isLocal", Pick::Default),
                ("isOk", Pick::Default),
                ("kirbytext", Pick::Default),
                ("languages", Pick::Default),
                ("license", Pick::Default),
                ("locales", Pick::Default),
                ("multilang", Pick::Default),
                ("requirements", Pick::Default),
                ("site", Pick::Default),
                ("slugs", Pick::Default),
                ("title", Pick::Default),
                ("translation", Pick::Default),
                ("user", Pick::View("auth")),
                ("version", Pick::Default),
            ],
        ),
    ],
    all: &[
        "ascii",
        "authStatus",
        "defaultLanguage",
        "isInstallable",
        "isInstalled",
        "isLocal",
        "isOk",
        "kirbytext",
        "languages",
        "license",
        "locales",
        "loginMethods",
        "multilang",
        "requirements",
        "site",
        "slugs",
        "title",
        "translation",
        "user",
        "version",
    ],
};

pub fn render(call: &Call, selection: &Selection) -> ApiResult<Json> {
    render_fields(call, selection, field)
}

fn field(call: &Call, name: &str, pick: &Pick) -> ApiResult<Option<Json>> {
    let may_see_system = call.actor.role.permissions.get("access", "system");
    let value: Json = match name {
        "authStatus" => auth_status(call).into(),
        "isInstallable" => json!(is_local(call) || call.app.config.panel.install).into(),
        "isInstalled" => json!(!call.site.users.is_empty()).into(),
        "isLocal" => json!(is_local(call)).into(),
        "isOk" => json!(requirements(call).values().all(|v| v == &Value::Bool(true))).into(),
        "loginMethods" => json!(
            call.app
                .config
                .auth
                .methods
                .iter()
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
        )
        .into(),
        "title" | "site" => json!(site::title(call)).into(),
        "translation" => {
            let code = call.ui_language();
            let translation = call
                .app
                .translations
                .get(&code)
                .cloned()
                .unwrap_or_else(|| call.app.translations.english());
            translation::render(call, &translation, &translation::VIEWS.default_selection())?
        }
        "requirements" => Value::Object(requirements(call)).into(),
        "user" => match &call.actor.user {
            Some(u) => user::render(call, u, &user::VIEWS.pick(pick)?)?,
            None => Value::Null.into(),
        },
        "version" => json!(may_see_system.then_some(KIRBY_VERSION)).into(),
        "license" => {
            json!({"code": null, "status": "missing", "type": if may_see_system { json!("Unregistered") } else { Value::Null }}).into()
        }
        "multilang" => json!(call.app.config.languages).into(),
        "languages" => languages(call)?,
        "defaultLanguage" => json!(
            call.site
                .default_language()
                .map(|l| l.code.clone())
                .unwrap_or_else(|| call.app.config.panel.language.clone())
        )
        .into(),
        "kirbytext" => json!(true).into(),
        "slugs" => json!([]).into(),
        "locales" => locales(call).into(),
        "ascii" => crate::format::ascii::table_json().into(),
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// Who the session belongs to: a user, an open login challenge ("pending",
/// with the challenge's e-mail and type), or nobody.
fn auth_status(call: &Call) -> Value {
    if let Some(user) = &call.actor.user {
        return json!({"challenge": null, "email": user.email, "status": "active"});
    }
    let open = crate::auth::challenge::open_challenge(
        call.session.data.as_ref(),
        &call.app.config.auth.challenges,
        call.now,
    );
    match open {
        Some((challenge, email)) => {
            json!({"challenge": challenge, "email": email, "status": "pending"})
        }
        None => json!({"challenge": null, "email": null, "status": "inactive"}),
    }
}

/// A site counts as local when it is served to a loopback client.
fn is_local(call: &Call) -> bool {
    call.client_ip().map(|ip| ip.is_loopback()).unwrap_or(true)
}

/// Whether this process may write `path`, or create it when it is missing,
/// as the kernel decides (root may write read-only files).
fn writable(path: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let probe = if path.exists() {
        path
    } else {
        path.parent().unwrap_or(path)
    };
    let Ok(c_path) = std::ffi::CString::new(probe.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

fn requirements(call: &Call) -> Map<String, Value> {
    let root = &call.app.root;
    let checks = [
        ("accounts", writable(&root.join("site/accounts"))),
        ("content", writable(&root.join("content"))),
        ("curl", true),
        ("sessions", writable(&root.join("site/sessions"))),
        ("mbstring", true),
        ("media", writable(&root.join("media"))),
        ("php", true),
    ];
    checks
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::Bool(v)))
        .collect()
}

fn languages(call: &Call) -> ApiResult<Json> {
    let selection = super::language::VIEWS.default_selection();
    let list: ApiResult<Vec<Json>> = call
        .site
        .languages
        .iter()
        .map(|l| super::language::render(call, l, &selection))
        .collect();
    Ok(Json::Array(list?))
}

fn locales(call: &Call) -> Value {
    let map: Map<String, Value> = call
        .app
        .translations
        .all()
        .map(|t| (t.id.clone(), json!(t.locale)))
        .collect();
    Value::Object(map)
}
