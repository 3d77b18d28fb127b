//! May the acting user do this to that model? The hard rules Kirby applies
//! per model (permissions.md §4), combined with blueprint options and the
//! role's permissions through [`crate::perm::decide`]. Handlers ask here and
//! never decide permissions themselves.

use serde_json::{Map, Value};

use super::call::Call;
use super::models::file::FileTemplates;
use crate::blueprint::NumScheme;
use crate::perm::{actions, decide};
use crate::store::{File, PageRef, Status, User};

/// A user's option keys come in Kirby's own order, not the category's.
pub const USER_ACTIONS: &[&str] = &[
    "access",
    "create",
    "changeEmail",
    "changeLanguage",
    "changeName",
    "changePassword",
    "changeRole",
    "delete",
    "list",
    "update",
];

fn is_home(call: &Call, page: PageRef) -> bool {
    call.site.pages[page].id == call.app.config.home
}

fn is_error(call: &Call, page: PageRef) -> bool {
    call.site.pages[page].id == call.app.config.error
}

/// The templates a page may switch between (its own included).
fn template_choices(call: &Call, page: PageRef) -> usize {
    let template = &call.site.pages[page].template;
    let blueprints = &call.app.blueprints;
    blueprints
        .page_template_choices(blueprints.page(template), template)
        .len()
}

pub fn page_can(call: &Call, page: PageRef, action: &str) -> bool {
    let p = &call.site.pages[page];
    let hard_rule = match action {
        "changeSlug" | "delete" | "move" => !is_home(call, page) && !is_error(call, page),
        "changeStatus" => !is_error(call, page),
        "changeTemplate" => !is_error(call, page) && template_choices(call, page) > 1,
        "sort" => {
            let blueprint = call.app.blueprints.page(&p.template);
            !is_error(call, page)
                && p.status == Status::Listed
                && blueprint.num == NumScheme::Default
        }
        _ => true,
    };
    let option = call
        .app
        .blueprints
        .page(&p.template)
        .options
        .decide(action, &call.actor.role.name);
    decide(&call.actor.role, "pages", action, hard_rule, option)
}

/// May the actor create a page with `template`? Kirby asks the new page's
/// own blueprint, so the template's options decide, then `pages.create`.
pub fn new_page_can(call: &Call, template: &str) -> bool {
    let option = call
        .app
        .blueprints
        .page(template)
        .options
        .decide("create", &call.actor.role.name);
    decide(&call.actor.role, "pages", "create", true, option)
}

pub fn page_accessible(call: &Call, page: PageRef) -> bool {
    page_can(call, page, "read") && page_can(call, page, "access")
}

pub fn page_listable(call: &Call, page: PageRef) -> bool {
    template_listable(call, &call.site.pages[page].template)
}

/// Whether the actor may list pages of `template`. No hard rule applies to
/// `read`, `access` or `list`, so the template and the role alone decide:
/// a listing asks once per template instead of once per page.
pub fn template_listable(call: &Call, template: &str) -> bool {
    let options = &call.app.blueprints.page(template).options;
    let role = &call.actor.role;
    ["read", "access", "list"].iter().all(|action| {
        decide(
            role,
            "pages",
            action,
            true,
            options.decide(action, &role.name),
        )
    })
}

pub fn page_options(call: &Call, page: PageRef) -> Value {
    options(actions("pages"), |a| page_can(call, page, a))
}

pub fn site_can(call: &Call, action: &str) -> bool {
    let option = call
        .app
        .blueprints
        .site()
        .options
        .decide(action, &call.actor.role.name);
    decide(&call.actor.role, "site", action, true, option)
}

pub fn site_options(call: &Call) -> Value {
    options(actions("site"), |a| site_can(call, a))
}

/// `parent_templates`: the file templates the file's parent offers.
pub fn file_can(call: &Call, parent_templates: FileTemplates, file: &File, action: &str) -> bool {
    let template = file_template(call, file);
    let hard_rule =
        action != "changeTemplate" || parent_templates.count_for(template.as_deref()) > 1;
    let option = call
        .app
        .blueprints
        .file(template.as_deref())
        .options
        .decide(action, &call.actor.role.name);
    decide(&call.actor.role, "files", action, hard_rule, option)
}

pub fn file_template(call: &Call, file: &File) -> Option<String> {
    call.field(&file.meta, "template")
}

pub fn file_accessible(call: &Call, parent_templates: FileTemplates, file: &File) -> bool {
    file_can(call, parent_templates, file, "read")
        && file_can(call, parent_templates, file, "access")
}

pub fn file_listable(call: &Call, parent_templates: FileTemplates, file: &File) -> bool {
    file_accessible(call, parent_templates, file) && file_can(call, parent_templates, file, "list")
}

pub fn file_options(call: &Call, parent_templates: FileTemplates, file: &File) -> Value {
    options(actions("files"), |a| {
        file_can(call, parent_templates, file, a)
    })
}

fn admin_count(call: &Call) -> usize {
    call.site.users.iter().filter(|u| u.role == "admin").count()
}

/// Whether `target` is the only admin: Kirby never lets that account go
/// or lose its role.
pub fn is_last_admin(call: &Call, target: &User) -> bool {
    target.role == "admin" && admin_count(call) <= 1
}

pub fn user_can(call: &Call, target: &User, action: &str) -> bool {
    let actor_is_admin = call.actor.role.is_admin();
    let target_is_admin = target.role == "admin";
    let last_admin = is_last_admin(call, target);
    let hard_rule = match action {
        "changeRole" => (!target_is_admin || actor_is_admin) && !last_admin,
        "create" => !target_is_admin || actor_is_admin,
        "delete" => !last_admin,
        _ => true,
    };
    let category = if call.actor.is(target) {
        "user"
    } else {
        "users"
    };
    let role_name = if call.app.role(&target.role).is_nobody() {
        "default"
    } else {
        target.role.as_str()
    };
    let option = call
        .app
        .blueprints
        .user(role_name)
        .options
        .decide(action, &call.actor.role.name);
    decide(&call.actor.role, category, action, hard_rule, option)
}

pub fn user_accessible(call: &Call, target: &User) -> bool {
    user_can(call, target, "access")
}

pub fn user_listable(call: &Call, target: &User) -> bool {
    user_accessible(call, target) && user_can(call, target, "list")
}

pub fn user_options(call: &Call, target: &User) -> Value {
    options(USER_ACTIONS, |a| user_can(call, target, a))
}

/// A role is visible if it is the caller's own (and they may see
/// themselves), or a user of that role would be visible to them.
pub fn role_accessible(call: &Call, role: &str) -> bool {
    if call.actor.user.is_none() {
        return false;
    }
    if call.actor.role.name == role {
        return call.actor.role.permissions.get("user", "access");
    }
    call.actor.role.permissions.get("users", "access") && !call.actor.role.is_nobody()
}

fn options(actions: &[&str], can: impl Fn(&str) -> bool) -> Value {
    Value::Object(
        actions
            .iter()
            .map(|a| (a.to_string(), Value::Bool(can(a))))
            .collect::<Map<_, _>>(),
    )
}

/// Languages have no blueprint: the role's `languages.*` permission alone
/// decides create, update and delete (permissions.md §5).
pub fn language_can(call: &Call, action: &str) -> bool {
    decide(&call.actor.role, "languages", action, true, None)
}
