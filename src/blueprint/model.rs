//! The [`Blueprint`] model: one resolved blueprint as plain data.
//!
//! Building one applies the top-level `extends`, reads the handful of
//! settings Folio acts on (title, description, options, statuses, `num`,
//! permissions) and flattens the form layout into sections and fields. The
//! resolved props stay available as `raw` for anything rarer.

use serde_json::{Map, Value};

use super::BlueprintError;
use super::fields::{Field, Normalizer};
use super::layout::{self, Section};
use super::load::Library;
use super::options::{self, ModelOptions, NumScheme};

/// One blueprint (`pages/note`, `site`, `files/image`, `users/editor`).
#[derive(Debug, Clone, PartialEq)]
pub struct Blueprint {
    /// Full name: folder and file name without extension.
    pub name: String,
    /// Display title; a translated title uses `en`, else its first language.
    pub title: String,
    pub description: Option<String>,
    /// Page icon (`icon:`), shown in listings.
    pub icon: Option<String>,
    /// Raw `image:` settings for Panel previews of models using this blueprint.
    pub image: Option<Value>,
    pub options: ModelOptions,
    /// Raw role `permissions` (user blueprints); evaluated by the permission code.
    pub permissions: Option<Value>,
    /// Allowed page statuses, in Kirby's order; always includes `draft`.
    pub status: Vec<String>,
    pub num: NumScheme,
    /// Every section in reading order.
    pub sections: Vec<Section>,
    /// The form: every field of every fields section, in blueprint order.
    pub fields: Vec<Field>,
    /// All resolved props of the blueprint.
    pub raw: Value,
}

/// A template offered by a `/blueprints` route: `{"name": …, "title": …}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TemplateChoice {
    pub name: String,
    pub title: String,
}

impl Blueprint {
    /// A blueprint with only a name and a title (the built-in fallbacks).
    pub(crate) fn empty(name: &str, title: &str) -> Blueprint {
        Blueprint {
            name: name.to_string(),
            title: title.to_string(),
            description: None,
            icon: None,
            image: None,
            options: ModelOptions::default(),
            permissions: None,
            status: options::PAGE_STATUSES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            num: NumScheme::Default,
            sections: Vec::new(),
            fields: Vec::new(),
            raw: Value::Object(Map::new()),
        }
    }

    /// The role name of a user blueprint (`users/editor` → `editor`).
    pub fn role_name(&self) -> &str {
        self.name.strip_prefix("users/").unwrap_or(&self.name)
    }

    /// One form field by (case-insensitive) name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        let name = name.to_lowercase();
        self.fields.iter().find(|field| field.name == name)
    }

    /// Page templates the pages sections offer for new children: the whole
    /// blueprint, or only `section`. Each section gives `create`, else
    /// `templates`, else `template`; an empty list means "any template".
    pub fn child_templates(&self, section: Option<&str>) -> Vec<String> {
        let chosen = self
            .sections
            .iter()
            .filter(|s| section.is_none_or(|name| s.name == name));
        let mut names: Vec<String> = Vec::new();
        for name in chosen
            .filter(|s| s.kind == "pages")
            .flat_map(section_templates)
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// File templates the blueprint accepts uploads for: each files section's
    /// `template` (`default` when unset) and the `uploads` template of files
    /// fields, also inside structures, blocks and layouts.
    // FIXME: recordings show `changeTemplate: true` for files of `album` and `about`, which list
    // only one template here; Kirby seems to count `default` as well. The caller decides.
    pub fn file_templates(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |name: String| {
            if !names.contains(&name) {
                names.push(name);
            }
        };
        for section in &self.sections {
            if section.kind == "files" {
                add(section
                    .string_list("template")
                    .into_iter()
                    .next()
                    .unwrap_or("default".into()));
            }
        }
        let mut from_fields = Vec::new();
        collect_upload_templates(&self.fields, &mut from_fields);
        from_fields.into_iter().for_each(add);
        names
    }
}

/// A pages section's own template list (`create`, else `templates`/`template`).
pub(crate) fn section_templates(section: &Section) -> Vec<String> {
    let create = section.string_list("create");
    if !create.is_empty() {
        return create;
    }
    let templates = section.string_list("templates");
    if !templates.is_empty() {
        return templates;
    }
    section.string_list("template")
}

fn collect_upload_templates(fields: &[Field], out: &mut Vec<String>) {
    for field in fields {
        if let Some(template) = upload_template(field) {
            out.push(template);
        }
        collect_upload_templates(&field.fields, out);
        for fieldset in &field.fieldsets {
            collect_upload_templates(&fieldset.fields, out);
        }
    }
}

/// The template a field uploads with. Files and textarea fields upload by
/// default, with the `default` template unless `uploads` names one or is `false`.
fn upload_template(field: &Field) -> Option<String> {
    let uploads_by_default = matches!(field.kind.as_str(), "files" | "textarea");
    let fallback = || uploads_by_default.then(|| "default".to_owned());
    match field.props.get("uploads") {
        Some(Value::String(template)) => Some(template.clone()),
        Some(Value::Object(map)) => match map.get("template").and_then(Value::as_str) {
            Some(template) => Some(template.to_owned()),
            None => fallback(),
        },
        Some(Value::Bool(false)) => None,
        _ => fallback(),
    }
}

/// Builds the blueprint `name` from the library; `None` if it is not there.
pub(crate) fn build(
    library: &Library,
    name: &str,
    errors: &mut Vec<BlueprintError>,
) -> Option<Blueprint> {
    let doc = library.get(name)?.clone();
    let mut normalizer = Normalizer::new(library);
    let props = normalizer.library.extend(doc, &mut normalizer.problems);
    let sections = normalizer.sections_of_blueprint(&props);

    let path = library.path_of(name);
    for problem in std::mem::take(&mut normalizer.problems) {
        errors.push(BlueprintError::new(&path, None, problem));
    }
    let base = name.rsplit('/').next().unwrap_or(name);
    Some(Blueprint {
        name: name.to_string(),
        title: translated_text(props.get("title")).unwrap_or_else(|| ucfirst(base)),
        description: translated_text(props.get("description")),
        icon: props
            .get("icon")
            .and_then(Value::as_str)
            .map(str::to_string),
        image: props.get("image").cloned(),
        options: ModelOptions::from_value(props.get("options")),
        permissions: props.get("permissions").cloned(),
        status: options::page_statuses(props.get("status")),
        num: NumScheme::from_value(props.get("num")),
        fields: layout::form_fields(&sections),
        sections,
        raw: props,
    })
}

/// A plain string, or a map of language code → string (`en` wins, else the first).
pub(crate) fn translated_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Object(map) => {
            let pick = map.get("en").or_else(|| map.values().next())?;
            pick.as_str().map(str::to_string)
        }
        _ => None,
    }
}

/// Upper-cases the first character, as PHP's `ucfirst` does for ASCII.
pub(crate) fn ucfirst(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Blueprints;
    use super::*;

    #[test]
    fn reads_the_settings() {
        let (blueprints, errors) = Blueprints::from_sources(&[(
            "pages/note",
            "title: {de: Notiz, en: Note}\nicon: 📖\nnum: date\ndescription: About notes\n\
             status:\n  draft: true\n  listed: true\noptions:\n  url: false\n\
             columns:\n  - fields:\n      text: { type: blocks }\n      date: { type: date, default: now }\n",
        )]);
        assert!(errors.is_empty(), "{errors:?}");
        let note = blueprints.page("note");
        assert_eq!(note.title, "Note");
        assert_eq!(note.icon.as_deref(), Some("📖"));
        assert_eq!(note.description.as_deref(), Some("About notes"));
        assert_eq!(note.num, NumScheme::Date);
        assert_eq!(note.status, ["draft", "listed"]);
        assert_eq!(note.options.decide("changeSlug", "admin"), Some(false));
        let names: Vec<&str> = note.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["text", "date"]);
        assert!(note.field("DATE").is_some());
    }

    #[test]
    fn title_falls_back_to_the_name() {
        let (blueprints, _) = Blueprints::from_sources(&[(
            "users/editor",
            "permissions:\n  access:\n    system: false\n",
        )]);
        let editor = blueprints
            .role("editor")
            .map(|b| (b.title.clone(), b.permissions.is_some()));
        assert_eq!(editor, Some(("Editor".to_string(), true)));
    }

    #[test]
    fn top_level_extends_and_reported_problems() {
        let (blueprints, errors) = Blueprints::from_sources(&[
            ("pages/base", "title: Base\nfields:\n  text: true\n"),
            (
                "pages/child",
                "extends: pages/base\ntitle: Child\nsections:\n  x: sections/missing\n",
            ),
        ]);
        let child = blueprints.page("child");
        assert_eq!(child.title, "Child");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("sections/missing"));
        // `sections` from the child replaces nothing of the parent's `fields`, which Kirby
        // ignores once `sections` is set; only the section remains.
        assert!(child.fields.is_empty());
    }

    #[test]
    fn child_and_file_templates() {
        let (blueprints, _) = Blueprints::from_sources(&[
            ("sections/notes", "type: pages\ntemplate: note\n"),
            (
                "pages/notes",
                "sections:\n  drafts: sections/notes\n  more:\n    type: pages\n    create: [a, b]\n    templates: [c]\n  files:\n    type: files\n    template: image\n",
            ),
            (
                "pages/album",
                "fields:\n  cover:\n    type: files\n    uploads:\n      template: cover\n  text:\n    type: blocks\n",
            ),
            ("pages/note", "title: Note\n"),
            (
                "site",
                "sections:\n  pages:\n    type: pages\n    templates: [note, gone]\n",
            ),
        ]);
        let notes = blueprints.page("notes");
        assert_eq!(notes.child_templates(None), ["note", "a", "b"]);
        assert_eq!(notes.child_templates(Some("more")), ["a", "b"]);
        assert!(notes.child_templates(Some("files")).is_empty());
        assert_eq!(notes.file_templates(), ["image"]);
        assert_eq!(
            blueprints.page("album").file_templates(),
            // the code block's textarea uploads with the default template
            ["cover", "blocks/image", "default"]
        );

        let site = blueprints.all_section_choices(blueprints.site());
        let site: Vec<(&str, &str)> = site
            .iter()
            .map(|c| (c.name.as_str(), c.title.as_str()))
            .collect();
        assert_eq!(site, [("note", "Note"), ("gone", "Gone")]);
        assert!(blueprints.section_choices(notes, "nope").is_none());
        let choices = blueprints.page_template_choices(notes, "notes");
        assert_eq!(choices.len(), 1);
    }
}
