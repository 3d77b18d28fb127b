//! Blueprint `options`, page `status` and page `num`: the small settings that
//! decide what may be done with a model and how a listed page is numbered.
//!
//! Options are kept as Kirby wrote them (after expanding the Kirby 2 aliases),
//! so the permission code can ask [`ModelOptions::decide`] for step 4 of
//! permissions.md §4 and fall back to the role itself when the answer is `None`.

use std::collections::BTreeMap;

use serde_json::Value;

/// Kirby 2 option names and the Kirby 4 names they stand for.
const OPTION_ALIASES: [(&str, &str); 4] = [
    ("status", "changeStatus"),
    ("template", "changeTemplate"),
    ("title", "changeTitle"),
    ("url", "changeSlug"),
];

/// What a blueprint says about one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionRule {
    /// The blueprint does not mention the action: the role decides.
    Unset,
    /// `action: true` or `action: false`, for everyone (admins included).
    Allow(bool),
    /// `action: {editor: true, "*": false}`: per role, with an optional wildcard.
    PerRole {
        roles: BTreeMap<String, bool>,
        star: Option<bool>,
    },
    /// `changeTemplate: [a, b]`: a list of templates; it allows nothing by itself.
    Templates(Vec<String>),
}

/// The `options` of a blueprint with aliases expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelOptions {
    /// `options: false` switches every action off.
    all_off: bool,
    rules: Vec<(String, OptionRule)>,
}

impl ModelOptions {
    /// Reads the raw `options` value of a blueprint.
    pub(crate) fn from_value(value: Option<&Value>) -> ModelOptions {
        match value {
            Some(Value::Bool(false)) => ModelOptions {
                all_off: true,
                rules: Vec::new(),
            },
            Some(Value::Object(map)) => {
                let mut options = ModelOptions::default();
                for (key, raw) in map {
                    options.set(canonical_action(key), rule_from_value(raw));
                }
                options
            }
            _ => ModelOptions::default(),
        }
    }

    /// A later key (e.g. `changeStatus` after its alias `status`) replaces the earlier rule.
    fn set(&mut self, action: &str, rule: OptionRule) {
        match self.rules.iter_mut().find(|(name, _)| name == action) {
            Some(slot) => slot.1 = rule,
            None => self.rules.push((action.to_string(), rule)),
        }
    }

    /// The rule for one action (Kirby 4 name, e.g. `changeSlug`).
    pub fn option(&self, action: &str) -> OptionRule {
        if self.all_off {
            return OptionRule::Allow(false);
        }
        let found = self.rules.iter().find(|(name, _)| name == action);
        found.map_or(OptionRule::Unset, |(_, rule)| rule.clone())
    }

    /// Step 4 of permissions.md §4: `Some` when the blueprint decides, `None`
    /// when the role permission has to decide.
    pub fn decide(&self, action: &str, role: &str) -> Option<bool> {
        match self.option(action) {
            OptionRule::Allow(flag) => Some(flag),
            OptionRule::PerRole { roles, star } => roles.get(role).copied().or(star),
            OptionRule::Unset | OptionRule::Templates(_) => None,
        }
    }

    /// The template list of `changeTemplate: [a, b]`, if the blueprint gives one.
    pub fn change_templates(&self) -> Option<Vec<String>> {
        match self.option("changeTemplate") {
            OptionRule::Templates(list) => Some(list),
            _ => None,
        }
    }
}

fn canonical_action(key: &str) -> &str {
    OPTION_ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map_or(key, |(_, name)| name)
}

fn rule_from_value(value: &Value) -> OptionRule {
    match value {
        Value::Bool(flag) => OptionRule::Allow(*flag),
        Value::Object(map) => {
            let mut roles = BTreeMap::new();
            let mut star = None;
            for (role, flag) in map {
                let Some(flag) = loose_bool(flag) else {
                    continue;
                };
                if role == "*" {
                    star = Some(flag);
                } else {
                    roles.insert(role.clone(), flag);
                }
            }
            OptionRule::PerRole { roles, star }
        }
        Value::Array(items) => OptionRule::Templates(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        other => loose_bool(other).map_or(OptionRule::Unset, OptionRule::Allow),
    }
}

/// YAML written by hand sometimes says `"false"` or `0`; treat those as booleans too.
fn loose_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::Number(number) => number.as_i64().map(|n| n != 0),
        Value::String(text) => match text.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The three page statuses in Kirby's order.
pub(crate) const PAGE_STATUSES: [&str; 3] = ["draft", "unlisted", "listed"];

/// Allowed page statuses from the blueprint `status` option.
///
/// Absent or `true` means all three; in a map (or list) every key whose value
/// is not `false` is allowed, unknown names are dropped, and `draft` is always
/// kept because every new page starts as a draft.
pub(crate) fn page_statuses(value: Option<&Value>) -> Vec<String> {
    let named: Vec<&str> = match value {
        Some(Value::Object(map)) => map
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Bool(false)))
            .map(|(k, _)| k.as_str())
            .collect(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => PAGE_STATUSES.to_vec(),
    };
    PAGE_STATUSES
        .iter()
        .filter(|status| **status == "draft" || named.contains(status))
        .map(|status| status.to_string())
        .collect()
}

/// How a page gets its sorting number when it is listed (storage.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumScheme {
    /// 1…n among the listed siblings.
    Default,
    /// Always 0.
    Zero,
    /// `YYYYMMDD` from the page's `date` field.
    Date,
    /// `YYYYMMDDHHMM` from the page's `date` field.
    DateTime,
    /// Any other string: a query template rendered by the caller.
    Custom(String),
}

impl NumScheme {
    pub(crate) fn from_value(value: Option<&Value>) -> NumScheme {
        let text = match value {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => return NumScheme::Default,
        };
        match text.as_str() {
            "default" | "sort" | "" => NumScheme::Default,
            "zero" | "0" => NumScheme::Zero,
            "date" => NumScheme::Date,
            "datetime" => NumScheme::DateTime,
            _ => NumScheme::Custom(text),
        }
    }

    /// The value `/blueprint` shows for `num`.
    // FIXME: Kirby may show `date`/`datetime` expanded to their query templates; unverified.
    pub fn as_str(&self) -> &str {
        match self {
            NumScheme::Default => "default",
            NumScheme::Zero => "zero",
            NumScheme::Date => "date",
            NumScheme::DateTime => "datetime",
            NumScheme::Custom(text) => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn locked_example_from_permissions_spec() {
        let raw =
            json!({"delete": {"editor": true, "*": false}, "update": false, "changeSlug": true});
        let options = ModelOptions::from_value(Some(&raw));
        assert_eq!(options.decide("delete", "editor"), Some(true));
        assert_eq!(options.decide("delete", "client"), Some(false));
        assert_eq!(options.decide("update", "admin"), Some(false));
        assert_eq!(options.decide("changeSlug", "editor"), Some(true));
        assert_eq!(options.decide("read", "editor"), None);
        assert_eq!(options.option("read"), OptionRule::Unset);
    }

    #[test]
    fn role_map_without_star_falls_through() {
        let options = ModelOptions::from_value(Some(&json!({"update": {"editor": false}})));
        assert_eq!(options.decide("update", "editor"), Some(false));
        assert_eq!(options.decide("update", "client"), None);
    }

    #[test]
    fn kirby_two_aliases_are_expanded() {
        let raw = json!({"status": false, "template": true, "title": false, "url": {"*": false}});
        let options = ModelOptions::from_value(Some(&raw));
        assert_eq!(options.option("changeStatus"), OptionRule::Allow(false));
        assert_eq!(options.option("changeTemplate"), OptionRule::Allow(true));
        assert_eq!(options.option("changeTitle"), OptionRule::Allow(false));
        assert_eq!(options.decide("changeSlug", "editor"), Some(false));
        assert_eq!(options.option("status"), OptionRule::Unset);
    }

    #[test]
    fn options_false_switches_everything_off_and_true_sets_nothing() {
        let off = ModelOptions::from_value(Some(&json!(false)));
        assert_eq!(off.decide("read", "admin"), Some(false));
        assert_eq!(off.decide("anything", "admin"), Some(false));
        let on = ModelOptions::from_value(Some(&json!(true)));
        assert_eq!(on.decide("read", "admin"), None);
    }

    #[test]
    fn change_template_list_is_kept_but_decides_nothing() {
        let options = ModelOptions::from_value(Some(&json!({"changeTemplate": ["a", "b"]})));
        assert_eq!(
            options.change_templates(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(options.decide("changeTemplate", "admin"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(page_statuses(None), ["draft", "unlisted", "listed"]);
        let album = json!({"draft": true, "listed": true});
        assert_eq!(page_statuses(Some(&album)), ["draft", "listed"]);
        let labelled = json!({"unlisted": {"label": "Hidden"}, "listed": false, "bogus": true});
        assert_eq!(page_statuses(Some(&labelled)), ["draft", "unlisted"]);
        assert_eq!(page_statuses(Some(&json!(["listed"]))), ["draft", "listed"]);
    }

    #[test]
    fn num_schemes() {
        assert_eq!(NumScheme::from_value(None), NumScheme::Default);
        assert_eq!(NumScheme::from_value(Some(&json!("date"))), NumScheme::Date);
        assert_eq!(
            NumScheme::from_value(Some(&json!("datetime"))),
            NumScheme::DateTime
        );
        assert_eq!(NumScheme::from_value(Some(&json!(0))), NumScheme::Zero);
        assert_eq!(
            NumScheme::from_value(Some(&json!("sort"))),
            NumScheme::Default
        );
        let custom = NumScheme::from_value(Some(&json!("{{ page.year }}")));
        assert_eq!(custom, NumScheme::Custom("{{ page.year }}".into()));
    }
}
