//! The user model (api.md §5.4).

use serde_json::{Value, json};

use super::{file, render_fields, role};
use crate::api::access::{role_accessible, user_listable, user_options};
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::{Pick, Selection, Views};
use crate::api::tree::Json;
use crate::store::User;

pub static VIEWS: Views = Views {
    default: Some(&[
        ("avatar", Pick::View("compact")),
        ("content", Pick::Default),
        ("email", Pick::Default),
        ("id", Pick::Default),
        ("language", Pick::Default),
        ("name", Pick::Default),
        ("next", Pick::View("compact")),
        ("options", Pick::Default),
        ("prev", Pick::View("compact")),
        ("role", Pick::Default),
        ("username", Pick::Default),
        ("uuid", Pick::Default),
    ]),
    named: &[("compact", COMPACT), ("auth", AUTH)],
    all: &[
        "avatar",
        "content",
        "email",
        "files",
        "id",
        "language",
        "name",
        "next",
        "options",
        "permissions",
        "prev",
        "role",
        "username",
        "uuid",
    ],
};

const COMPACT: &[(&str, Pick)] = &[
    ("avatar", Pick::View("compact")),
    ("email", Pick::Default),
    ("id", Pick::Default),
    ("language", Pick::Default),
    ("name", Pick::Default),
    ("role", Pick::View("compact")),
    ("username", Pick::Default),
    ("uuid", Pick::Default),
];

const AUTH: &[(&str, Pick)] = &[
    ("avatar", Pick::View("compact")),
    ("email", Pick::Default),
    ("id", Pick::Default),
    ("language", Pick::Default),
    ("name", Pick::Default),
    ("permissions", Pick::Default),
    ("role", Pick::Default),
];

/// Users as Kirby lists them: by username, then e-mail.
pub fn sorted_users<'c>(call: &'c Call) -> Vec<&'c User> {
    let mut users: Vec<&User> = call.site.users.iter().collect();
    users.sort_by(|a, b| {
        a.username()
            .cmp(b.username())
            .then_with(|| a.email.cmp(&b.email))
    });
    users
}

pub fn render(call: &Call, user: &User, selection: &Selection) -> ApiResult<Json> {
    render_fields(call, selection, |call, name, pick| {
        field(call, user, name, pick)
    })
}

fn neighbour(call: &Call, user: &User, step: isize, pick: &Pick) -> ApiResult<Json> {
    let users: Vec<&User> = sorted_users(call)
        .into_iter()
        .filter(|u| user_listable(call, u))
        .collect();
    let Some(at) = users.iter().position(|u| u.id == user.id) else {
        return Ok(Value::Null.into());
    };
    let Some(other) = at.checked_add_signed(step).and_then(|i| users.get(i)) else {
        return Ok(Value::Null.into());
    };
    render(call, other, &VIEWS.pick(pick)?)
}

fn field(call: &Call, user: &User, name: &str, pick: &Pick) -> ApiResult<Option<Json>> {
    let role = call.app.role(&user.role);
    let value: Json = match name {
        "id" => json!(user.id).into(),
        "email" => json!(user.email).into(),
        "language" => json!(user.language).into(),
        "name" => json!(user.name).into(),
        "username" => json!(user.username()).into(),
        "uuid" => json!(format!("user://{}", user.id)).into(),
        "content" => super::content::user(call, user).into(),
        "options" => user_options(call, user).into(),
        "permissions" => role.permissions.to_json().into(),
        "role" if role_accessible(call, &role.name) => {
            role::render(call, &role, &role::VIEWS.pick(pick)?)?
        }
        "role" => Value::Null.into(),
        // Kirby shows the avatar as its 512 px square crop version.
        "avatar" => match &user.avatar {
            Some(avatar) => super::thumb::render(
                call,
                file::Owner::User(&user.id),
                &super::thumb::Thumb::avatar(avatar),
                &file::VIEWS.pick(pick)?,
            )?,
            None => Value::Null.into(),
        },
        "next" => neighbour(call, user, 1, pick)?,
        "prev" => neighbour(call, user, -1, pick)?,
        "files" => {
            let selection = file::VIEWS.pick(pick)?;
            let items: ApiResult<Vec<Json>> = file::listable(call, file::Owner::User(&user.id))
                .into_iter()
                .map(|f| file::render(call, file::Owner::User(&user.id), f, &selection))
                .collect();
            Json::Array(items?)
        }
        _ => return Ok(None),
    };
    Ok(Some(value))
}
