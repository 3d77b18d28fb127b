//! Blueprints: the YAML files under `site/blueprints` that describe each kind
//! of page, file, user role and the site.
//!
//! This module owns reading them (with Kirby's `extends` and shortcut forms),
//! the plain-data [`Blueprint`] model the rest of Folio asks questions of
//! (title, options, statuses, form fields, sections), and turning stored
//! content into the typed Panel form values the API shows as `content`
//! ([`values::form_values`]). It knows nothing about HTTP or the site index:
//! facts about other models arrive through [`values::ValueContext`].

mod blocks;
mod fields;
mod fieldsets;
mod items;
mod layout;
mod load;
mod model;
mod options;
mod tabs;
mod validate;
mod values;

#[cfg(test)]
mod fixture_tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use fields::{Field, Fieldset};
pub use items::{
    FileFacts, ItemSettings, Owner, PageFacts, UserFacts, file_item, page_item, user_item,
};
pub use layout::Section;
pub use model::{Blueprint, TemplateChoice};
pub(crate) use model::{translated_text, ucfirst};
pub use options::{ModelOptions, NumScheme, OptionRule};
pub use validate::{Checker, errors_value, text_values};
pub use values::{ValueContext, default_values, form_values};

use load::Library;

/// A blueprint file that could not be used, or a reference inside one that
/// could not be resolved. The file is skipped; Folio keeps running.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct BlueprintError {
    pub path: PathBuf,
    /// 1-based line, when the YAML parser knows it.
    pub line: Option<usize>,
    pub message: String,
}

impl BlueprintError {
    pub(crate) fn new(path: &Path, line: Option<usize>, message: String) -> BlueprintError {
        BlueprintError {
            path: path.to_path_buf(),
            line,
            message,
        }
    }

    fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("`{}`: line {line}: {}", self.path.display(), self.message),
            None => format!("`{}`: {}", self.path.display(), self.message),
        }
    }
}

/// Every blueprint of a site, plus Kirby's built-in fallbacks.
#[derive(Debug, Clone)]
pub struct Blueprints {
    pages: BTreeMap<String, Blueprint>,
    files: BTreeMap<String, Blueprint>,
    users: BTreeMap<String, Blueprint>,
    site: Blueprint,
    fallback_page: Blueprint,
    fallback_file: Blueprint,
    fallback_user: Blueprint,
    builtin_admin: Blueprint,
    /// The normalised `tabs` tree of every blueprint file, by full name.
    layouts: BTreeMap<String, serde_json::Value>,
}

impl Blueprints {
    /// Loads every blueprint below `dir` (the site's `site/blueprints` folder).
    /// Broken files are reported and skipped; a missing folder is an empty site.
    pub fn load(dir: &Path) -> (Blueprints, Vec<BlueprintError>) {
        let (library, errors) = Library::read_dir(dir);
        Blueprints::from_library(&library, errors)
    }

    /// Loads blueprints from in-memory `(name, yaml)` pairs, for tests.
    #[cfg(test)]
    pub(crate) fn from_sources(sources: &[(&str, &str)]) -> (Blueprints, Vec<BlueprintError>) {
        let (library, errors) = Library::from_sources(sources);
        Blueprints::from_library(&library, errors)
    }

    fn from_library(
        library: &Library,
        mut errors: Vec<BlueprintError>,
    ) -> (Blueprints, Vec<BlueprintError>) {
        let mut build_folder = |folder: &str| -> BTreeMap<String, Blueprint> {
            let mut built = BTreeMap::new();
            for key in library.names_in(folder) {
                let name = format!("{folder}/{key}");
                if let Some(blueprint) = model::build(library, &name, &mut errors) {
                    built.insert(key, blueprint);
                }
            }
            built
        };
        let pages = build_folder("pages");
        let files = build_folder("files");
        let users = build_folder("users");
        let site =
            model::build(library, "site", &mut errors).unwrap_or_else(|| builtin("site", "Site"));

        let layouts = pages
            .values()
            .chain(files.values())
            .chain(users.values())
            .chain([&site])
            .map(|bp| (bp.name.clone(), tabs::normalize(library, &bp.raw)))
            .collect();
        let blueprints = Blueprints {
            layouts,
            pages,
            files,
            users,
            site,
            fallback_page: builtin("pages/default", "Default"),
            fallback_file: builtin("files/default", "Default"),
            fallback_user: builtin("users/default", "Default"),
            builtin_admin: builtin_admin(),
        };
        (blueprints, errors)
    }

    /// The blueprint for a page template: `pages/<template>`, else
    /// `pages/default`, else Kirby's built-in default.
    pub fn page(&self, template: &str) -> &Blueprint {
        self.pages
            .get(template)
            .or_else(|| self.pages.get("default"))
            .unwrap_or(&self.fallback_page)
    }

    /// Whether `pages/<template>` exists as a file (not a fallback).
    pub fn has_page(&self, template: &str) -> bool {
        self.pages.contains_key(template)
    }

    /// Names of every page blueprint file, sorted.
    pub fn page_templates(&self) -> Vec<&str> {
        self.pages.keys().map(String::as_str).collect()
    }

    pub fn site(&self) -> &Blueprint {
        &self.site
    }

    /// The blueprint for a file template (`image`, `blocks/image`), falling
    /// back to `files/default` and then the built-in default.
    pub fn file(&self, template: Option<&str>) -> &Blueprint {
        let named = template.and_then(|template| self.files.get(template));
        named
            .or_else(|| self.files.get("default"))
            .unwrap_or(&self.fallback_file)
    }

    /// The blueprint whose form a user of `role` has: `users/<role>`, else
    /// `users/default`, else the built-in default (no fields).
    pub fn user(&self, role: &str) -> &Blueprint {
        self.users
            .get(role)
            .or_else(|| self.users.get("default"))
            .unwrap_or(&self.fallback_user)
    }

    /// Every role, sorted by name: each `users/*.yml` except `default`, and
    /// the built-in `admin` when the site does not define it.
    pub fn roles(&self) -> Vec<&Blueprint> {
        let mut roles: Vec<&Blueprint> = self
            .users
            .iter()
            .filter(|(name, _)| *name != "default")
            .map(|(_, bp)| bp)
            .collect();
        if !self.users.contains_key("admin") {
            roles.push(&self.builtin_admin);
        }
        roles.sort_by(|a, b| a.role_name().cmp(b.role_name()));
        roles
    }

    /// `GET …/blueprints?section=<name>`: the templates one pages section
    /// offers; `None` when the blueprint has no section of that name.
    pub fn section_choices(&self, bp: &Blueprint, section: &str) -> Option<Vec<TemplateChoice>> {
        let section = bp.sections.iter().find(|s| s.name == section)?;
        Some(self.choices_of(section))
    }

    /// `GET site/blueprints` (and users/files): the templates all pages
    /// sections offer together, each name once, in order of appearance.
    pub fn all_section_choices(&self, bp: &Blueprint) -> Vec<TemplateChoice> {
        let mut choices: Vec<TemplateChoice> = Vec::new();
        for choice in bp
            .sections
            .iter()
            .flat_map(|section| self.choices_of(section))
        {
            match choices.iter_mut().find(|known| known.name == choice.name) {
                Some(slot) => *slot = choice,
                None => choices.push(choice),
            }
        }
        choices
    }

    /// `GET pages/<id>/blueprints`: the page's own template, then the
    /// templates its `options.changeTemplate` list allows; missing
    /// blueprints are left out. Fewer than two means the template cannot change.
    pub fn page_template_choices(&self, bp: &Blueprint, current: &str) -> Vec<TemplateChoice> {
        let mut names = vec![current.to_string()];
        for name in bp.options.change_templates().unwrap_or_default() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let existing = names.into_iter().filter(|name| self.has_page(name));
        existing
            .map(|name| TemplateChoice {
                title: self.page(&name).title.clone(),
                name,
            })
            .collect()
    }

    /// A pages section's choices; one without templates offers every page blueprint.
    fn choices_of(&self, section: &Section) -> Vec<TemplateChoice> {
        if section.kind != "pages" {
            return Vec::new();
        }
        let mut names = model::section_templates(section);
        if names.is_empty() {
            // FIXME: Kirby also lists blueprints registered by plugins and its own defaults here.
            names = self
                .page_templates()
                .into_iter()
                .map(str::to_string)
                .collect();
        }
        names.into_iter().map(|name| self.choice(&name)).collect()
    }

    /// A template name with its blueprint title (`ucfirst(name)` when missing).
    fn choice(&self, template: &str) -> TemplateChoice {
        let base = template.rsplit('/').next().unwrap_or(template).to_string();
        let title = match self.pages.get(template) {
            Some(bp) => bp.title.clone(),
            None => model::ucfirst(template),
        };
        TemplateChoice { name: base, title }
    }

    /// The normalised layout tree of `bp` (api.md §5.9 `tabs`); each tab's
    /// `link` is `null`, for the caller to fill in for its model.
    pub fn tabs(&self, bp: &Blueprint) -> serde_json::Value {
        self.layouts
            .get(&bp.name)
            .cloned()
            .unwrap_or_else(tabs::empty)
    }

    /// One role by name (see [`Blueprints::roles`]); `None` for unknown roles.
    pub fn role(&self, name: &str) -> Option<&Blueprint> {
        if name == "default" {
            return None;
        }
        self.users
            .get(name)
            .or_else(|| (name == "admin").then_some(&self.builtin_admin))
    }
}

/// A fallback blueprint with a title and nothing else.
fn builtin(name: &str, title: &str) -> Blueprint {
    // FIXME: the titles of Kirby's built-in fallback blueprints are not recorded; these are guesses.
    Blueprint::empty(name, title)
}

/// Kirby's `admin` role when the site has no `users/admin.yml`.
fn builtin_admin() -> Blueprint {
    let mut admin = Blueprint::empty("users/admin", "Admin");
    // English text; the API layer may translate it with the Panel language.
    admin.description = Some("The admin has all rights".to_string());
    admin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_fall_back_in_kirbys_order() {
        let (blueprints, errors) = Blueprints::from_sources(&[
            ("pages/note", "title: Note\n"),
            ("users/editor", "title: Editor\n"),
            ("files/image", "title: Image\n"),
        ]);
        assert!(errors.is_empty());
        assert_eq!(blueprints.page("note").name, "pages/note");
        assert_eq!(blueprints.page("nope").name, "pages/default");
        assert_eq!(blueprints.page("nope").title, "Default");
        assert_eq!(blueprints.file(Some("image")).title, "Image");
        assert_eq!(blueprints.file(None).name, "files/default");
        assert_eq!(blueprints.user("client").name, "users/default");
        assert_eq!(blueprints.site().name, "site");
        let roles: Vec<&str> = blueprints.roles().iter().map(|r| r.role_name()).collect();
        assert_eq!(roles, ["admin", "editor"]);
        assert_eq!(
            blueprints
                .role("admin")
                .and_then(|r| r.description.clone())
                .as_deref(),
            Some("The admin has all rights")
        );
        assert!(blueprints.role("default").is_none());
    }

    #[test]
    fn site_defaults_and_page_default_file_win_over_builtins() {
        let (blueprints, _) = Blueprints::from_sources(&[
            ("pages/default", "title: Simple Page\n"),
            ("users/default", "title: User\nfields:\n  street: true\n"),
        ]);
        assert_eq!(blueprints.page("sandbox").title, "Simple Page");
        assert_eq!(blueprints.user("admin").fields.len(), 1);
        assert!(
            blueprints
                .role("admin")
                .is_some_and(|r| r.fields.is_empty())
        );
    }

    #[test]
    fn broken_blueprints_are_reported_and_fall_back() {
        let (blueprints, errors) =
            Blueprints::from_sources(&[("pages/note", "title: [\n"), ("pages/ok", "title: Ok\n")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(blueprints.page("note").name, "pages/default");
        assert!(errors[0].to_string().contains("line"));
    }
}
