//! Kirby's API route table, in registration order (api.md §4).
//!
//! Routes match the raw, still percent-encoded path with Kirby's placeholder
//! patterns, first match wins. Routes Folio has not built yet are listed too,
//! so they authenticate like Kirby and then answer Kirby's no-route 404.

use std::sync::LazyLock;

use regex::Regex;

use super::handlers::{self, Handler};

/// Kirby's `(:any)`: one segment of letters, digits and `. - _ % = space + @ ( )`.
const ANY: &str = r"[a-zA-Z0-9\.\-_%= \+@\(\)]+";
/// The same class as Kirby prints it in debug output.
const ANY_SHOWN: &str = r"[a-zA-Z0-9\.\-_%= \+\@\(\)]+";

pub struct Route {
    pub methods: &'static str,
    pub pattern: &'static str,
    pub auth: bool,
    pub handler: Option<Handler>,
    /// Registered only when the `languages` option is on (api.md §4.11).
    pub languages_only: bool,
    regex: Regex,
    /// Text every matching path starts with: checked before the regex, so
    /// a request does not run the captures of every route before its own.
    literal_prefix: String,
    /// The compiled pattern as Kirby shows it in debug error bodies.
    pub shown: String,
}

impl Route {
    fn allows(&self, method: &str) -> bool {
        self.methods == "ALL" || self.methods.split('|').any(|m| m == method)
    }
}

/// The plain start of a pattern, up to its first placeholder or regex
/// syntax. A `/` right before a placeholder is left out, since optional
/// placeholders (`/(:any?)`) make it optional too.
fn literal_prefix(pattern: &str) -> String {
    let end = pattern
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_')))
        .unwrap_or(pattern.len());
    let plain = pattern.get(..end).unwrap_or("");
    if end < pattern.len() {
        plain.trim_end_matches('/').to_owned()
    } else {
        plain.to_owned()
    }
}

fn compile(pattern: &str, any: &str) -> String {
    pattern
        .replace(
            "/(:any?)",
            &format!("(?:/({}))?", any.trim_end_matches('+').to_owned() + "*"),
        )
        .replace("/(:all?)", "(?:/(.*))?")
        .replace("(:any)", &format!("({any})"))
        .replace("(:all)", "(.*)")
}

macro_rules! routes {
    ($($methods:literal $pattern:literal $auth:literal $handler:expr;)*) => {
        vec![$(route($methods, $pattern, $auth, $handler)),*]
    };
}

fn route(
    methods: &'static str,
    pattern: &'static str,
    auth: bool,
    handler: Option<Handler>,
) -> Route {
    let regex =
        Regex::new(&format!("^(?:{})$", compile(pattern, ANY))).expect("route patterns are valid");
    Route {
        methods,
        pattern,
        auth,
        handler,
        languages_only: false,
        regex,
        literal_prefix: literal_prefix(pattern),
        shown: compile(pattern, ANY_SHOWN),
    }
}

const PARENT: &str = "(account|pages/[^/]+|site|users/[^/]+)";

static TABLE: LazyLock<Vec<Route>> = LazyLock::new(|| {
    use handlers::*;
    let mut table = routes! {
        "GET" "auth" true Some(auth::current);
        "POST" "auth/code" false Some(auth::code);
        "POST" "auth/login" false Some(auth::login);
        "POST" "auth/logout" false Some(auth::logout);
        "POST" "auth/ping" false Some(auth::ping);

        "GET" "pages/(:any)" true Some(pages::read);
        "PATCH" "pages/(:any)" true Some(page_writes::update);
        "DELETE" "pages/(:any)" true Some(page_writes::delete);
        "GET" "pages/(:any)/blueprint" true Some(blueprints::page);
        "GET" "pages/(:any)/blueprints" true Some(pages::blueprints);
        "GET" "pages/(:any)/children" true Some(pages::children);
        "POST" "pages/(:any)/children" true Some(page_writes::create_child);
        "GET|POST" "pages/(:any)/children/search" true Some(pages::search_children);
        "POST" "pages/(:any)/duplicate" true Some(page_writes::duplicate);
        "PATCH" "pages/(:any)/slug" true Some(page_writes::change_slug);
        "PATCH" "pages/(:any)/status" true Some(page_writes::change_status);
        "PATCH" "pages/(:any)/template" true Some(page_writes::change_template);
        "PATCH" "pages/(:any)/title" true Some(page_writes::change_title);
        "ALL" "pages/(:any)/fields/(:any)/(:all?)" true None;
        "GET" "pages/(:any)/sections/(:any)" true Some(sections::page);
        "ALL" "pages/(:any)/sections/(:any)/(:all?)" true None;

        "GET" "roles" true Some(roles::list);
        "GET" "roles/(:any)" true Some(roles::read);

        "GET" "site" true Some(site::read);
        "PATCH" "site" true Some(site_writes::update);
        "GET" "site/children" true Some(site::children);
        "POST" "site/children" true Some(page_writes::create_top_level);
        "GET|POST" "site/children/search" true Some(site::search_children);
        "GET" "site/blueprint" true Some(blueprints::site);
        "GET" "site/blueprints" true Some(site::blueprints);
        "POST" "site/find" true Some(site::find);
        "PATCH" "site/title" true Some(site::change_title);
        "GET|POST" "site/search" true Some(site::search);
        "ALL" "site/fields/(:any)/(:all?)" true None;
        "GET" "site/sections/(:any)" true Some(sections::site);
        "ALL" "site/sections/(:any)/(:all?)" true None;

        "GET" "users" true Some(users::list);
        "POST" "users" true Some(user_writes::create);
        "GET|POST" "users/search" true Some(users::search);
        "GET" "(account)" true Some(users::read);
        "GET" "users/(:any)" true Some(users::read);
        "PATCH" "(account)" true Some(user_writes::update);
        "PATCH" "users/(:any)" true Some(user_writes::update);
        "DELETE" "(account)" true Some(user_writes::delete);
        "DELETE" "users/(:any)" true Some(user_writes::delete);
        "GET" "(account)/avatar" true Some(users::avatar);
        "GET" "users/(:any)/avatar" true Some(users::avatar);
        "POST" "(account)/avatar" true Some(file_writes::upload_avatar);
        "POST" "users/(:any)/avatar" true Some(file_writes::upload_avatar);
        "DELETE" "(account)/avatar" true Some(file_writes::delete_avatar);
        "DELETE" "users/(:any)/avatar" true Some(file_writes::delete_avatar);
        "GET" "(account)/blueprint" true Some(blueprints::user);
        "GET" "users/(:any)/blueprint" true Some(blueprints::user);
        "GET" "(account)/blueprints" true Some(users::blueprints);
        "GET" "users/(:any)/blueprints" true Some(users::blueprints);
        "PATCH" "(account)/email" true Some(user_writes::change_email);
        "PATCH" "users/(:any)/email" true Some(user_writes::change_email);
        "PATCH" "(account)/language" true Some(user_writes::change_language);
        "PATCH" "users/(:any)/language" true Some(user_writes::change_language);
        "PATCH" "(account)/name" true Some(user_writes::change_name);
        "PATCH" "users/(:any)/name" true Some(user_writes::change_name);
        "PATCH" "(account)/password" true Some(user_writes::change_password);
        "PATCH" "users/(:any)/password" true Some(user_writes::change_password);
        "PATCH" "(account)/role" true Some(user_writes::change_role);
        "PATCH" "users/(:any)/role" true Some(user_writes::change_role);
        "GET" "(account)/roles" true Some(users::roles);
        "GET" "users/(:any)/roles" true Some(users::roles);
        "ALL" "(account)/fields/(:any)/(:all?)" true None;
        "ALL" "users/(:any)/fields/(:any)/(:all?)" true None;
        "GET" "(account)/sections/(:any)" true Some(sections::user);
        "GET" "users/(:any)/sections/(:any)" true Some(sections::user);
        "ALL" "(account)/sections/(:any)/(:all?)" true None;
        "ALL" "users/(:any)/sections/(:any)/(:all?)" true None;
    };
    table.extend(file_routes());
    table.extend(routes! {
        "GET" "(:all)/lock" true Some(locks::read);
        "PATCH" "(:all)/lock" true Some(locks::create);
        "DELETE" "(:all)/lock" true Some(locks::remove);
        "PATCH" "(:all)/unlock" true Some(locks::unlock);
        "DELETE" "(:all)/unlock" true Some(locks::resolve);

        "GET" "system" false Some(system::read);
        "PATCH" "system/method-test" true Some(system::method_test);
        "POST" "system/register" true None;
        "POST" "system/install" false Some(system::install);

        "GET" "translations" false Some(translations::list);
        "GET" "translations/(:any)" false Some(translations::read);
    });
    // Kirby appends the language routes last, and only with the option on.
    table.extend(
        routes! {
            "GET" "languages" true Some(languages::list);
            "POST" "languages" true Some(languages::create);
            "GET" "languages/(:any)" true Some(languages::read);
            "PATCH" "languages/(:any)" true Some(languages::update);
            "DELETE" "languages/(:any)" true Some(languages::delete);
        }
        .into_iter()
        .map(|route| Route {
            languages_only: true,
            ..route
        }),
    );
    table
});

/// The file routes use a parent alternation that the placeholders cannot
/// express, so they are built by hand.
fn file_routes() -> Vec<Route> {
    use handlers::{file_writes, files};
    let file = format!("(account/|pages/[^/]+/|site/|users/[^/]+/|)files/({ANY})");
    let parent = PARENT;
    let list: Vec<(&'static str, String, Option<Handler>)> = vec![
        ("ALL", format!("{file}/fields/({ANY})(?:/(.*))?"), None),
        (
            "GET",
            format!("{file}/sections/({ANY})"),
            Some(handlers::sections::file as Handler),
        ),
        ("ALL", format!("{file}/sections/({ANY})(?:/(.*))?"), None),
        (
            "GET",
            format!("{parent}/files"),
            Some(files::list as Handler),
        ),
        (
            "POST",
            format!("{parent}/files"),
            Some(file_writes::upload as Handler),
        ),
        (
            "GET|POST",
            format!("{parent}/files/search"),
            Some(files::search as Handler),
        ),
        (
            "PATCH",
            format!("{parent}/files/sort"),
            Some(file_writes::sort as Handler),
        ),
        ("GET", file.clone(), Some(files::read as Handler)),
        ("PATCH", file.clone(), Some(file_writes::update as Handler)),
        ("POST", file.clone(), Some(file_writes::replace as Handler)),
        ("DELETE", file.clone(), Some(file_writes::delete as Handler)),
        (
            "PATCH",
            format!("{file}/name"),
            Some(file_writes::change_name as Handler),
        ),
    ];
    list.into_iter()
        .map(|(methods, regex, handler)| {
            let shown = regex.replace(ANY, ANY_SHOWN);
            let compiled = Regex::new(&format!("^(?:{regex})$")).expect("file routes are valid");
            Route {
                methods,
                pattern: "files",
                auth: true,
                handler,
                languages_only: false,
                literal_prefix: literal_prefix(&regex),
                regex: compiled,
                shown,
            }
        })
        .collect()
}

/// The first route that matches `path` and `method`, with its captures,
/// among all routes (as on a site with every option on).
pub fn find(path: &str, method: &str) -> Option<(&'static Route, Vec<String>)> {
    find_registered(path, method, true)
}

/// The first match among the routes the site registers: the language
/// routes only exist when `languages` is on.
pub fn find_registered(
    path: &str,
    method: &str,
    languages: bool,
) -> Option<(&'static Route, Vec<String>)> {
    let registered = TABLE.iter().filter(|r| languages || !r.languages_only);
    let mut candidates =
        registered.filter(|r| path.starts_with(&r.literal_prefix) && r.allows(method));
    candidates.find_map(|route| {
        let captures = route.regex.captures(path)?;
        let args = captures
            .iter()
            .skip(1)
            .map(|c| c.map(|m| m.as_str().to_owned()).unwrap_or_default())
            .collect();
        Some((route, args))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefixes_stop_before_placeholders_and_optional_slashes() {
        assert_eq!(literal_prefix("pages/(:any)/children"), "pages");
        assert_eq!(literal_prefix("site/fields/(:any)/(:all?)"), "site/fields");
        assert_eq!(literal_prefix("users/(:any?)"), "users");
        assert_eq!(literal_prefix("auth/login"), "auth/login");
        assert_eq!(literal_prefix("(account|pages/[^/]+)/files"), "");
        let (route, args) = find("site/fields/title", "GET").unwrap();
        assert_eq!(route.pattern, "site/fields/(:any)/(:all?)");
        assert_eq!(args, ["title", ""]);
    }

    #[test]
    fn page_ids_match_one_segment() {
        let (route, args) = find("pages/notes+across-the-ocean", "GET").unwrap();
        assert_eq!(route.pattern, "pages/(:any)");
        assert_eq!(args, ["notes+across-the-ocean"]);
        assert!(find("pages/photography/trees", "GET").is_none());
        assert!(find("pages", "GET").is_none());
    }

    #[test]
    fn shows_the_compiled_pattern_like_kirby() {
        let (route, _) = find("pages/x", "GET").unwrap();
        assert_eq!(route.shown, r"pages/([a-zA-Z0-9\.\-_%= \+\@\(\)]+)");
    }

    #[test]
    fn file_routes_capture_parent_and_name() {
        let (route, args) = find("pages/about/files/team.jpg", "GET").unwrap();
        assert_eq!(route.pattern, "files");
        assert_eq!(args, ["pages/about/", "team.jpg"]);
        let (_, args) = find("site/files", "GET").unwrap();
        assert_eq!(args, ["site"]);
    }

    #[test]
    fn language_routes_need_the_option() {
        let (route, args) = find_registered("languages/de", "PATCH", true).unwrap();
        assert_eq!(
            (route.pattern, args),
            ("languages/(:any)", vec!["de".to_owned()])
        );
        assert!(find_registered("languages/de", "PATCH", false).is_none());
        assert!(find_registered("languages", "GET", false).is_none());
        assert!(find_registered("site", "GET", false).is_some());
    }

    #[test]
    fn lock_routes_catch_everything_else() {
        let (route, _) = find("pages/a+b/lock", "GET").unwrap();
        assert_eq!(route.pattern, "(:all)/lock");
    }
}
