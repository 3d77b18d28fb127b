//! Roles and permissions (permissions.md): the one place that decides whether
//! the acting user may do an action to a model.
//!
//! A role's permission map comes from its user blueprint. [`can`] combines it
//! with the model blueprint's `options` and the hard rules Kirby applies
//! before either (home and error pages, the last admin, ...).

use std::sync::{Arc, LazyLock};

use serde_json::{Map, Value, json};

/// Every permission category with its actions, in Kirby's order.
pub const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "access",
        &["account", "languages", "panel", "site", "system", "users"],
    ),
    (
        "files",
        &[
            "access",
            "changeName",
            "changeTemplate",
            "create",
            "delete",
            "list",
            "read",
            "replace",
            "update",
        ],
    ),
    ("languages", &["create", "delete", "update"]),
    (
        "pages",
        &[
            "access",
            "changeSlug",
            "changeStatus",
            "changeTemplate",
            "changeTitle",
            "create",
            "delete",
            "duplicate",
            "list",
            "move",
            "preview",
            "read",
            "sort",
            "update",
        ],
    ),
    ("site", &["access", "changeTitle", "update"]),
    (
        "users",
        &[
            "access",
            "changeEmail",
            "changeLanguage",
            "changeName",
            "changePassword",
            "changeRole",
            "create",
            "delete",
            "list",
            "update",
        ],
    ),
    (
        "user",
        &[
            "access",
            "changeEmail",
            "changeLanguage",
            "changeName",
            "changePassword",
            "changeRole",
            "delete",
            "list",
            "update",
        ],
    ),
];

/// The actions of a permission category, in Kirby's order (empty if unknown).
pub fn actions(category: &str) -> &'static [&'static str] {
    CATEGORIES
        .iter()
        .find(|(c, _)| *c == category)
        .map(|(_, a)| *a)
        .unwrap_or(&[])
}

/// A role's full permission map: every category and action, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Permissions {
    granted: Vec<Vec<bool>>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Invalid permissions category")]
pub struct InvalidPermissions;

impl Permissions {
    pub fn all(value: bool) -> Permissions {
        Permissions {
            granted: CATEGORIES
                .iter()
                .map(|(_, a)| vec![value; a.len()])
                .collect(),
        }
    }

    /// Reads a blueprint's `permissions` value: missing means all true;
    /// `true`/`false` sets everything; a map sets categories or actions, with
    /// `*` inside a category setting all of its actions at that point.
    pub fn from_blueprint(value: Option<&Value>) -> Result<Permissions, InvalidPermissions> {
        let mut permissions = Permissions::all(true);
        match value {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => permissions = Permissions::all(*b),
            Some(Value::Object(map)) => {
                for (category, setting) in map {
                    let index = CATEGORIES
                        .iter()
                        .position(|(c, _)| c == category)
                        .ok_or(InvalidPermissions)?;
                    permissions.apply(index, setting);
                }
            }
            Some(_) => return Err(InvalidPermissions),
        }
        Ok(permissions)
    }

    fn apply(&mut self, category: usize, setting: &Value) {
        let actions = CATEGORIES[category].1;
        match setting {
            Value::Bool(b) => self.granted[category].iter_mut().for_each(|g| *g = *b),
            Value::Object(map) => {
                for (action, value) in map {
                    let Some(b) = truthy(value) else { continue };
                    if action == "*" {
                        self.granted[category].iter_mut().for_each(|g| *g = b);
                    } else if let Some(i) = actions.iter().position(|a| a == action) {
                        self.granted[category][i] = b;
                    }
                }
            }
            _ => {}
        }
    }

    pub fn get(&self, category: &str, action: &str) -> bool {
        let Some(c) = CATEGORIES.iter().position(|(name, _)| *name == category) else {
            return false;
        };
        CATEGORIES[c]
            .1
            .iter()
            .position(|a| *a == action)
            .is_some_and(|a| self.granted[c][a])
    }

    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for ((category, actions), granted) in CATEGORIES.iter().zip(&self.granted) {
            let inner: Map<String, Value> = actions
                .iter()
                .zip(granted)
                .map(|(a, g)| (a.to_string(), json!(g)))
                .collect();
            out.insert(category.to_string(), Value::Object(inner));
        }
        Value::Object(out)
    }
}

fn truthy(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        Value::Null => Some(false),
        _ => None,
    }
}

/// A role as the API shows it.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub permissions: Permissions,
}

impl Role {
    pub fn admin() -> Role {
        Role {
            name: "admin".into(),
            title: "Admin".into(),
            description: Some("The admin has all rights".into()),
            permissions: Permissions::all(true),
        }
    }

    pub fn nobody() -> Role {
        Role {
            name: "nobody".into(),
            title: "Nobody".into(),
            description: Some("This is a fallback role without any permissions".into()),
            permissions: Permissions::all(false),
        }
    }

    /// [`Role::nobody`], built once and shared by every anonymous request.
    pub fn shared_nobody() -> Arc<Role> {
        static NOBODY: LazyLock<Arc<Role>> = LazyLock::new(|| Arc::new(Role::nobody()));
        NOBODY.clone()
    }

    pub fn is_admin(&self) -> bool {
        self.name == "admin"
    }

    pub fn is_nobody(&self) -> bool {
        self.name == "nobody"
    }
}

/// The decision for one action, in the order of permissions.md §4.
///
/// `hard_rule` is false when a model rule forbids the action outright;
/// `option` is the blueprint `options` decision for the acting role, if any.
pub fn decide(
    role: &Role,
    category: &str,
    action: &str,
    hard_rule: bool,
    option: Option<bool>,
) -> bool {
    if role.is_nobody() || !hard_rule {
        return false;
    }
    option.unwrap_or_else(|| role.permissions.get(category, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_permissions_grant_everything() {
        let p = Permissions::from_blueprint(None).unwrap();
        assert!(p.get("pages", "delete"));
        assert!(!p.get("pages", "nonsense"));
    }

    #[test]
    fn star_sets_a_category_at_that_point() {
        let value = json!({"files": {"*": false, "read": true, "access": true, "list": true}});
        let p = Permissions::from_blueprint(Some(&value)).unwrap();
        assert!(p.get("files", "read") && p.get("files", "list") && p.get("files", "access"));
        assert!(!p.get("files", "create"));
        assert!(p.get("pages", "create"));
    }

    #[test]
    fn unknown_categories_are_refused() {
        assert_eq!(
            Permissions::from_blueprint(Some(&json!({"*": true}))),
            Err(InvalidPermissions)
        );
    }

    #[test]
    fn options_override_the_role_but_nobody_and_hard_rules_win() {
        let mut editor = Role::admin();
        editor.name = "editor".into();
        editor.permissions =
            Permissions::from_blueprint(Some(&json!({"pages": {"delete": false}}))).unwrap();
        assert!(!decide(&editor, "pages", "delete", true, None));
        assert!(decide(&editor, "pages", "delete", true, Some(true)));
        assert!(!decide(&editor, "pages", "delete", false, Some(true)));
        assert!(!decide(&Role::nobody(), "pages", "read", true, Some(true)));
    }

    #[test]
    fn json_lists_categories_in_kirby_order() {
        let json = Permissions::all(true).to_json();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "access",
                "files",
                "languages",
                "pages",
                "site",
                "users",
                "user"
            ]
        );
    }
}
