//! Writing languages: `site/languages/<code>.php`, and moving content
//! between the single-language and multi-language file names.
//!
//! A language file holds the keys Kirby writes (`code`, `default`,
//! `direction`, `locale`, `name`, `translations`, `url`) merged into whatever
//! the file already held, sorted by key (storage.md §6). Creating the first
//! language renames every model's `<name>.txt` to `<name>.<code>.txt`;
//! deleting the last renames them back; deleting another language removes
//! its translation files (storage.md §3.3), as Kirby does.
//!
//! Those are many file operations, so they run from a journal: the planned
//! steps are written to `site/.folio-languages.journal` first, each step is
//! idempotent, and the journal is removed at the end. When a step fails the
//! finished renames are undone; when the process dies half-way,
//! [`recover`] (run when the store opens and before every language write)
//! finishes the steps, so the folder never stays half converted.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::content::content_path;
use super::fsio::{remove_if_there, write_atomic_in_new_dir};
use super::model::Site;
use super::scan::Roots;
use crate::format::php::{self, PhpArray, PhpKey, PhpValue};
use crate::format::txt::Fields;

/// Locale categories as glibc numbers them; Kirby's JSON shows the numbers.
pub const LOCALE_CATEGORIES: &[(&str, i64)] = &[
    ("LC_CTYPE", 0),
    ("LC_NUMERIC", 1),
    ("LC_TIME", 2),
    ("LC_COLLATE", 3),
    ("LC_MONETARY", 4),
    ("LC_MESSAGES", 5),
    ("LC_ALL", 6),
];

#[derive(Debug, Error)]
pub enum LanguageError {
    #[error("Invalid locale category \"{0}\"")]
    LocaleCategory(String),
    #[error("Locale must be string or array")]
    LocaleType,
    #[error("cannot write the languages: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot record the language journal: {0}")]
    Journal(#[from] serde_json::Error),
}

/// What Kirby stores of one language.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageSpec {
    pub code: String,
    pub name: String,
    pub default: bool,
    pub direction: String,
    /// `(category name, locale)` pairs such as `("LC_ALL", "de_DE.UTF-8")`.
    pub locale: Vec<(String, String)>,
    pub url: Option<String>,
    /// The `translations` map, kept as PHP values.
    pub translations: PhpArray,
}

/// A locale from JSON: a string means `LC_ALL`; an object maps category
/// names (`LC_ALL`) or numbers (`6`) to strings; `null` means the code.
pub fn locale_from_json(value: &Value, code: &str) -> Result<Vec<(String, String)>, LanguageError> {
    match value {
        Value::Null => Ok(vec![("LC_ALL".into(), code.to_owned())]),
        Value::String(s) => Ok(vec![("LC_ALL".into(), s.clone())]),
        Value::Object(map) => map
            .iter()
            .map(|(key, v)| {
                let name =
                    category_name(key).ok_or_else(|| LanguageError::LocaleCategory(key.clone()))?;
                let text = v.as_str().ok_or(LanguageError::LocaleType)?;
                Ok((name.to_owned(), text.to_owned()))
            })
            .collect(),
        _ => Err(LanguageError::LocaleType),
    }
}

/// `LC_ALL` or `6` → `LC_ALL`.
pub fn category_name(key: &str) -> Option<&'static str> {
    LOCALE_CATEGORIES
        .iter()
        .find(|(name, number)| *name == key || number.to_string() == key)
        .map(|(name, _)| *name)
}

pub fn category_number(name: &str) -> Option<i64> {
    LOCALE_CATEGORIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, number)| *number)
}

pub fn language_path(roots: &Roots, code: &str) -> PathBuf {
    roots.languages.join(format!("{code}.php"))
}

/// The language file as it is on disk, or an empty array.
pub fn read_raw(path: &Path) -> PhpArray {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|src| php::parse_return_file(&src).ok())
        .and_then(|value| value.as_array().cloned())
        .unwrap_or_default()
}

/// The language's own file merged into `existing`, keys sorted as Kirby's
/// `ksort` leaves them.
pub fn render_file(spec: &LanguageSpec, existing: &PhpArray) -> String {
    let locale = PhpArray(
        spec.locale
            .iter()
            .map(|(k, v)| (PhpKey::Str(k.clone()), PhpValue::Str(v.clone())))
            .collect(),
    );
    let ours = [
        ("code", PhpValue::Str(spec.code.clone())),
        ("default", PhpValue::Bool(spec.default)),
        ("direction", PhpValue::Str(spec.direction.clone())),
        ("locale", PhpValue::Array(locale)),
        ("name", PhpValue::Str(spec.name.clone())),
        ("translations", PhpValue::Array(spec.translations.clone())),
        (
            "url",
            spec.url
                .clone()
                .map(PhpValue::Str)
                .unwrap_or(PhpValue::Null),
        ),
    ];
    let mut entries: Vec<(PhpKey, PhpValue)> = existing
        .0
        .iter()
        .filter(|(k, _)| {
            !ours
                .iter()
                .any(|(name, _)| *k == PhpKey::Str((*name).into()))
        })
        .cloned()
        .collect();
    entries.extend(ours.into_iter().map(|(k, v)| (PhpKey::Str(k.into()), v)));
    entries.sort_by_key(|entry| entry.0.to_string());
    php::write_return_file(&PhpValue::Array(PhpArray(entries)))
}

/// One idempotent step of a language change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Step {
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    Write {
        path: PathBuf,
        text: String,
        previous: Option<String>,
    },
    Remove {
        path: PathBuf,
    },
}

impl Step {
    fn apply(&self) -> std::io::Result<()> {
        match self {
            // A target that exists already is never overwritten: both stay.
            Step::Rename { from, to } if from.exists() && !to.exists() => std::fs::rename(from, to),
            Step::Rename { .. } => Ok(()),
            Step::Write { path, text, .. } => write_atomic_in_new_dir(path, text.as_bytes()),
            Step::Remove { path } => remove_if_there(path),
        }
    }

    fn undo(&self) -> std::io::Result<()> {
        match self {
            Step::Rename { from, to } if to.exists() && !from.exists() => std::fs::rename(to, from),
            Step::Rename { .. } | Step::Remove { .. } => Ok(()),
            Step::Write {
                path,
                previous: Some(text),
                ..
            } => write_atomic_in_new_dir(path, text.as_bytes()),
            Step::Write {
                path,
                previous: None,
                ..
            } => remove_if_there(path),
        }
    }
}

fn journal_path(roots: &Roots) -> PathBuf {
    roots.languages.with_file_name(".folio-languages.journal")
}

/// Runs `steps` from a journal. A failure before any removal undoes what
/// was done; a failure among the removals keeps the journal for [`recover`].
fn run(roots: &Roots, steps: Vec<Step>) -> Result<(), LanguageError> {
    recover(roots);
    let journal = journal_path(roots);
    write_atomic_in_new_dir(&journal, &serde_json::to_vec(&steps)?)?;
    for (at, step) in steps.iter().enumerate() {
        if let Err(error) = step.apply() {
            let done = steps.get(..at).unwrap_or_default();
            if done.iter().all(|s| !matches!(s, Step::Remove { .. })) {
                for step in done.iter().rev() {
                    if let Err(e) = step.undo() {
                        tracing::error!(error = %e, "cannot undo a language step: {step:?}");
                    }
                }
                remove_if_there(&journal)?;
            }
            return Err(error.into());
        }
    }
    remove_if_there(&journal)?;
    Ok(())
}

/// Finishes a language change a crash interrupted. Failures are logged; the
/// journal stays until the steps succeed.
pub fn recover(roots: &Roots) {
    let journal = journal_path(roots);
    let Ok(bytes) = std::fs::read(&journal) else {
        return;
    };
    let steps: Vec<Step> = match serde_json::from_slice(&bytes) {
        Ok(steps) => steps,
        Err(e) => {
            tracing::error!(path = %journal.display(), error = %e, "cannot read the language journal");
            return;
        }
    };
    tracing::warn!(path = %journal.display(), "finishing an interrupted language change");
    for step in &steps {
        if let Err(e) = step.apply() {
            tracing::error!(error = %e, "cannot finish a language step: {step:?}");
            return;
        }
    }
    remove_if_there(&journal).ok();
}

/// The `(directory, name)` of every model's content file: the site, every
/// page (drafts too), every file's meta file, every user.
fn content_files(site: &Site, roots: &Roots) -> Vec<(PathBuf, String)> {
    let mut out = vec![(roots.content.clone(), "site".to_owned())];
    let add_files = |out: &mut Vec<(PathBuf, String)>, files: &[super::File]| {
        for file in files {
            if let Some(dir) = file.path.parent() {
                out.push((dir.to_owned(), file.filename.clone()));
            }
        }
    };
    add_files(&mut out, &site.files);
    for page in &site.pages {
        out.push((page.dir.clone(), page.template.clone()));
        add_files(&mut out, &page.files);
    }
    for user in &site.users {
        out.push((user.dir.clone(), "user".to_owned()));
        add_files(&mut out, user.avatar.as_slice());
    }
    out
}

/// Renames every content file from one language form to the other.
fn conversion(site: &Site, roots: &Roots, from: Option<&str>, to: Option<&str>) -> Vec<Step> {
    content_files(site, roots)
        .into_iter()
        .map(|(dir, name)| Step::Rename {
            from: content_path(&dir, &name, from),
            to: content_path(&dir, &name, to),
        })
        .filter(|step| matches!(step, Step::Rename { from, .. } if from.exists()))
        .collect()
}

fn write_step(roots: &Roots, spec: &LanguageSpec) -> Step {
    let path = language_path(roots, &spec.code);
    let previous = std::fs::read_to_string(&path).ok();
    let text = render_file(spec, &read_raw(&path));
    Step::Write {
        path,
        text,
        previous,
    }
}

/// Creates a language. The first one turns the site multi-language.
pub fn create(site: &Site, roots: &Roots, spec: &LanguageSpec) -> Result<(), LanguageError> {
    let mut steps = if site.languages.is_empty() {
        conversion(site, roots, None, Some(&spec.code))
    } else {
        Vec::new()
    };
    steps.push(write_step(roots, spec));
    run(roots, steps)
}

/// Saves changed languages together (a new default demotes the old one).
pub fn save(roots: &Roots, specs: &[LanguageSpec]) -> Result<(), LanguageError> {
    run(
        roots,
        specs.iter().map(|spec| write_step(roots, spec)).collect(),
    )
}

/// Deletes a language: the last one turns the site single-language again,
/// any other takes its translation files with it.
pub fn delete(site: &Site, roots: &Roots, code: &str) -> Result<(), LanguageError> {
    let file = Step::Remove {
        path: language_path(roots, code),
    };
    let steps = if site.languages.len() <= 1 {
        let mut steps = conversion(site, roots, Some(code), None);
        steps.push(file);
        steps
    } else {
        let translations = content_files(site, roots)
            .into_iter()
            .map(|(dir, name)| content_path(&dir, &name, Some(code)))
            .filter(|path| path.exists())
            .map(|path| Step::Remove { path });
        std::iter::once(file).chain(translations).collect()
    };
    run(roots, steps)
}

/// The fields to write to a model's content file in one language, as
/// Kirby's `saveTranslation` builds them: the language's current content
/// (a secondary language sees the default content under its own), then
/// `changes` (a `None` value deletes the field). A secondary language's file
/// never holds the untranslatable fields nor the `uuid`, which belong to the
/// default language.
pub fn translation_fields(
    default: Option<&Fields>,
    own: Option<&Fields>,
    changes: &[(String, Option<String>)],
    untranslatable: &[&str],
    is_default: bool,
) -> Fields {
    let mut fields = if is_default {
        own.cloned().unwrap_or_default()
    } else {
        default.cloned().unwrap_or_default()
    };
    if !is_default {
        for (key, value) in own
            .map(|f| f.iter().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            fields.set(key, value.to_owned());
        }
    }
    for (key, value) in changes {
        match value {
            Some(value) => fields.set(key, value.clone()),
            None => fields.remove(key),
        }
    }
    if !is_default {
        for key in untranslatable.iter().copied().chain(["uuid"]) {
            fields.remove(key);
        }
    }
    fields
}

#[cfg(test)]
#[path = "languages_tests.rs"]
mod tests;
