//! Panel translations: the UI strings and error messages of each Panel language.
//!
//! Every Kirby install ships them in `kirby/i18n/translations/<code>.json`.
//! Those files are Kirby's, so Folio does not bundle them: it reads them from
//! the site when they are there, and otherwise answers in English from the
//! short table below, which holds only the messages Folio itself emits.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

/// One Panel language.
#[derive(Debug, Clone)]
pub struct Translation {
    pub id: String,
    pub name: String,
    pub direction: String,
    pub author: String,
    pub locale: String,
    pub strings: Map<String, Value>,
}

/// All Panel languages of a site, by code.
#[derive(Debug, Clone, Default)]
pub struct Translations {
    by_code: BTreeMap<String, Translation>,
}

impl Translations {
    /// Reads every `<code>.json` in `<root>/kirby/i18n/translations`. A file
    /// that does not parse is skipped with a warning: it must not stop the site.
    pub fn load(root: &Path) -> Translations {
        let dir = root.join("kirby/i18n/translations");
        let mut by_code = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Translations { by_code };
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(code) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
                continue;
            };
            match read_translation(&path, &code) {
                Ok(translation) => {
                    by_code.insert(code, translation);
                }
                Err(err) => tracing::warn!(path = %path.display(), "skipping translation: {err}"),
            }
        }
        Translations { by_code }
    }

    pub fn get(&self, code: &str) -> Option<&Translation> {
        self.by_code.get(code)
    }

    pub fn all(&self) -> impl Iterator<Item = &Translation> {
        self.by_code.values()
    }

    pub fn exists(&self, code: &str) -> bool {
        self.by_code.contains_key(code) || (self.by_code.is_empty() && code == "en")
    }

    /// The message for `key` in `language`, else in English, else from
    /// Folio's own English table.
    pub fn message(&self, language: &str, key: &str) -> Option<String> {
        [language, "en"]
            .iter()
            .filter_map(|code| self.by_code.get(*code))
            .find_map(|t| {
                t.strings
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| builtin_english(key).map(str::to_owned))
    }

    /// The English translation, used by `/api/system` when no user is logged
    /// in. Built from the table below when the site has no translation files.
    pub fn english(&self) -> Translation {
        self.by_code
            .get("en")
            .cloned()
            .unwrap_or_else(|| Translation {
                id: "en".into(),
                name: "English".into(),
                direction: "ltr".into(),
                author: "Kirby Team".into(),
                locale: "en_US".into(),
                strings: BUILTIN_ENGLISH
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect(),
            })
    }
}

fn read_translation(path: &Path, code: &str) -> Result<Translation, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let Value::Object(strings) = serde_json::from_str(&text).map_err(|e| e.to_string())? else {
        return Err("not a JSON object".into());
    };
    let meta = |key: &str, default: &str| {
        strings
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    Ok(Translation {
        id: code.to_owned(),
        name: meta("translation.name", code),
        direction: meta("translation.direction", "ltr"),
        author: meta("translation.author", ""),
        locale: meta("translation.locale", code),
        strings,
    })
}

/// Fills `{name}` placeholders from `data`; unknown placeholders stay as they are.
pub fn fill(template: &str, data: &[(&str, String)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in data {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

fn builtin_english(key: &str) -> Option<&'static str> {
    BUILTIN_ENGLISH
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
}

/// The English messages of the error keys Folio emits, for sites without
/// Kirby's translation files.
const BUILTIN_ENGLISH: &[(&str, &str)] = &[
    ("error.access.code", "Invalid code"),
    ("error.access.login", "Invalid login"),
    (
        "error.access.panel",
        "You are not allowed to access the panel",
    ),
    ("error.file.changeName.empty", "The name must not be empty"),
    (
        "error.file.changeName.permission",
        "You are not allowed to change the name of \"{filename}\"",
    ),
    (
        "error.file.duplicate",
        "A file with the name \"{filename}\" already exists",
    ),
    (
        "error.file.extension.forbidden",
        "The extension \"{extension}\" is not allowed",
    ),
    (
        "error.file.extension.missing",
        "The extension of \"{filename}\" is missing",
    ),
    (
        "error.file.extension.invalid",
        "Invalid extension: {extension}",
    ),
    (
        "error.file.maxheight",
        "The height of the image must not exceed {height} pixels",
    ),
    ("error.file.maxsize", "The file is too large"),
    (
        "error.file.maxwidth",
        "The width of the image must not exceed {width} pixels",
    ),
    (
        "error.file.mime.differs",
        "The uploaded file must be of the same mime type \"{mime}\"",
    ),
    ("error.file.mime.invalid", "Invalid mime type: {mime}"),
    (
        "error.file.minheight",
        "The height of the image must be at least {height} pixels",
    ),
    ("error.file.minsize", "The file is too small"),
    (
        "error.file.minwidth",
        "The width of the image must be at least {width} pixels",
    ),
    (
        "error.file.name.invalid",
        "The filename must not start with a dot",
    ),
    ("error.file.name.missing", "The filename must not be empty"),
    (
        "error.file.notFound",
        "The file \"{filename}\" cannot be found",
    ),
    (
        "error.file.orientation",
        "The orientation of the image must be \"{orientation}\"",
    ),
    (
        "error.file.type.forbidden",
        "You are not allowed to upload {type} files",
    ),
    ("error.file.type.invalid", "Invalid file type: {type}"),
    ("error.language.notFound", "The language could not be found"),
    (
        "error.page.changeSlug.permission",
        "You are not allowed to change the URL appendix for \"{slug}\"",
    ),
    (
        "error.page.changeSlug.reserved",
        "The path of top-level pages must not start with \"{path}\"",
    ),
    (
        "error.page.changeStatus.incomplete",
        "The page has errors and cannot be published",
    ),
    (
        "error.page.changeStatus.permission",
        "The status for this page cannot be changed",
    ),
    (
        "error.page.changeStatus.toDraft.invalid",
        "The page \"{slug}\" cannot be converted to a draft",
    ),
    (
        "error.page.changeTemplate.invalid",
        "The template for the page \"{slug}\" cannot be changed",
    ),
    (
        "error.page.changeTemplate.permission",
        "You are not allowed to change the template for \"{slug}\"",
    ),
    (
        "error.page.changeTitle.empty",
        "The title must not be empty",
    ),
    (
        "error.page.changeTitle.permission",
        "You are not allowed to change the title for \"{slug}\"",
    ),
    (
        "error.page.create.permission",
        "You are not allowed to create \"{slug}\"",
    ),
    (
        "error.page.delete.hasChildren",
        "The page has subpages and cannot be deleted",
    ),
    (
        "error.page.delete.permission",
        "You are not allowed to delete \"{slug}\"",
    ),
    (
        "error.page.draft.duplicate",
        "A page draft with the URL appendix \"{slug}\" already exists",
    ),
    (
        "error.page.duplicate",
        "A page with the URL appendix \"{slug}\" already exists",
    ),
    (
        "error.page.duplicate.permission",
        "You are not allowed to duplicate \"{slug}\"",
    ),
    (
        "error.language.code",
        "Please enter a valid code for the language",
    ),
    (
        "error.language.create.permission",
        "You are not allowed to create a language",
    ),
    (
        "error.language.delete.permission",
        "You are not allowed to delete the language",
    ),
    ("error.language.duplicate", "The language already exists"),
    (
        "error.language.name",
        "Please enter a valid name for the language",
    ),
    (
        "error.language.update.permission",
        "You are not allowed to update the language",
    ),
    ("error.page.notFound", "The page \"{slug}\" cannot be found"),
    (
        "error.page.slug.invalid",
        "Please enter a valid URL appendix",
    ),
    (
        "error.page.slug.maxlength",
        "Slug length must be less than \"{length}\" characters",
    ),
    (
        "error.page.sort.permission",
        "The page \"{slug}\" cannot be sorted",
    ),
    (
        "error.page.status.invalid",
        "Please set a valid page status",
    ),
    (
        "error.page.update.permission",
        "You are not allowed to update \"{slug}\"",
    ),
    ("error.role.notFound", "The role \"{name}\" cannot be found"),
    (
        "error.site.changeTitle.empty",
        "The title must not be empty",
    ),
    (
        "error.site.changeTitle.permission",
        "You are not allowed to change the title of the site",
    ),
    ("error.site.notAccessible", "The site is not accessible"),
    (
        "error.site.update.permission",
        "You are not allowed to update the site",
    ),
    (
        "error.unexpected",
        "An unexpected error occurred! Enable debug mode for more info: https://getkirby.com/docs/reference/system/options/debug",
    ),
    (
        "error.user.changeEmail.permission",
        "You are not allowed to change the email for the user \"{name}\"",
    ),
    (
        "error.user.changeLanguage.permission",
        "You are not allowed to change the language for the user \"{name}\"",
    ),
    (
        "error.user.changeName.permission",
        "You are not allowed to change the name for the user \"{name}\"",
    ),
    (
        "error.user.changePassword.permission",
        "You are not allowed to change the password for the user \"{name}\"",
    ),
    (
        "error.user.changeRole.lastAdmin",
        "The role for the last admin cannot be changed",
    ),
    (
        "error.user.changeRole.permission",
        "You are not allowed to change the role for the user \"{name}\"",
    ),
    (
        "error.user.changeRole.toAdmin",
        "You are not allowed to promote someone to the admin role",
    ),
    (
        "error.user.create.permission",
        "You are not allowed to create this user",
    ),
    (
        "error.user.delete.lastAdmin",
        "The last admin cannot be deleted",
    ),
    (
        "error.user.delete.lastUser",
        "The last user cannot be deleted",
    ),
    (
        "error.user.delete.permission",
        "You are not allowed to delete the user \"{name}\"",
    ),
    (
        "error.user.duplicate",
        "A user with the email address \"{email}\" already exists",
    ),
    (
        "error.user.email.invalid",
        "Please enter a valid email address",
    ),
    (
        "error.user.language.invalid",
        "Please enter a valid language",
    ),
    ("error.user.notFound", "The user \"{name}\" cannot be found"),
    (
        "error.user.password.excessive",
        "Please enter a valid password. Passwords must not be longer than 1000 characters.",
    ),
    (
        "error.user.password.invalid",
        "Please enter a valid password. Passwords must be at least 8 characters long.",
    ),
    (
        "error.user.password.undefined",
        "The user does not have a password",
    ),
    ("error.user.password.wrong", "Wrong password"),
    ("error.user.role.invalid", "Please enter a valid role"),
    ("error.user.undefined", "The user cannot be found"),
    (
        "error.user.update.permission",
        "You are not allowed to update the user \"{name}\"",
    ),
    // Blueprint form validation (`crate::blueprint::Checker`).
    (
        "error.blocks.max.plural",
        "You must not add more than {max} blocks",
    ),
    (
        "error.blocks.max.singular",
        "You must not add more than one block",
    ),
    (
        "error.blocks.min.plural",
        "You must add at least {min} blocks",
    ),
    (
        "error.blocks.min.singular",
        "You must add at least one block",
    ),
    (
        "error.structure.validation",
        "There's an error on the \"{field}\" field in row {index}",
    ),
    ("error.validation.date", "Please enter a valid date"),
    (
        "error.validation.date.after",
        "Please enter a date after {date}",
    ),
    (
        "error.validation.date.before",
        "Please enter a date before {date}",
    ),
    (
        "error.validation.date.between",
        "Please enter a date between {min} and {max}",
    ),
    (
        "error.validation.email",
        "Please enter a valid email address",
    ),
    (
        "error.validation.match",
        "The value does not match the expected pattern",
    ),
    (
        "error.validation.max",
        "Please enter a value equal to or lower than {max}",
    ),
    (
        "error.validation.maxlength",
        "Please enter a shorter value. (max. {max} characters)",
    ),
    (
        "error.validation.min",
        "Please enter a value equal to or greater than {min}",
    ),
    (
        "error.validation.minlength",
        "Please enter a longer value. (min. {min} characters)",
    ),
    ("error.validation.num", "Please enter a valid number"),
    ("error.validation.option", "Please select a valid option"),
    ("error.validation.required", "Please enter something"),
    ("error.validation.time", "Please enter a valid time"),
    (
        "error.validation.time.after",
        "Please enter a time after {time}",
    ),
    (
        "error.validation.time.before",
        "Please enter a time before {time}",
    ),
    (
        "error.validation.time.between",
        "Please enter a time between {min} and {max}",
    ),
    ("error.validation.url", "Please enter a valid URL"),
    ("field.required", "The field is required"),
    // Pages and files sections with too few or too many entries.
    (
        "error.section.files.max.plural",
        "You must not add more than {max} files to the \"{section}\" section",
    ),
    (
        "error.section.files.max.singular",
        "You must not add more than one file to the \"{section}\" section",
    ),
    (
        "error.section.files.min.plural",
        "The \"{section}\" section requires at least {min} files",
    ),
    (
        "error.section.files.min.singular",
        "The \"{section}\" section requires at least one file",
    ),
    (
        "error.section.pages.max.plural",
        "You must not add more than {max} pages to the \"{section}\" section",
    ),
    (
        "error.section.pages.max.singular",
        "You must not add more than one page to the \"{section}\" section",
    ),
    (
        "error.section.pages.min.plural",
        "The \"{section}\" section requires at least {min} pages",
    ),
    (
        "error.section.pages.min.singular",
        "The \"{section}\" section requires at least one page",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_builtin_english_without_files() {
        let translations = Translations::default();
        let message = translations.message("de", "error.page.notFound").unwrap();
        assert_eq!(
            fill(&message, &[("slug", "nope".into())]),
            "The page \"nope\" cannot be found"
        );
    }

    #[test]
    fn prefers_the_requested_language() {
        let dir = tempfile::tempdir().unwrap();
        let i18n = dir.path().join("kirby/i18n/translations");
        std::fs::create_dir_all(&i18n).unwrap();
        std::fs::write(
            i18n.join("de.json"),
            r#"{"translation.name":"Deutsch","x":"Hallo"}"#,
        )
        .unwrap();
        std::fs::write(i18n.join("en.json"), r#"{"x":"Hello","y":"Only English"}"#).unwrap();
        std::fs::write(i18n.join("broken.json"), "{").unwrap();
        let translations = Translations::load(dir.path());
        assert_eq!(translations.message("de", "x").unwrap(), "Hallo");
        assert_eq!(translations.message("de", "y").unwrap(), "Only English");
        assert_eq!(translations.get("de").unwrap().name, "Deutsch");
        assert!(translations.get("broken").is_none());
    }
}
