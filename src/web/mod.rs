//! Rendering site pages (not the API) from HTML templates.
//!
//! Kirby renders a page with the PHP template named like its content file;
//! Folio renders `site/templates/<template>.html` with minijinja instead. This
//! module owns finding that file (falling back to `default.html`), the values
//! a template can use (`page`, `site`, `csrf()`, the `paragraphs` filter) and
//! HTML auto-escaping. Templates are read from disk on every render, so an
//! edited template shows on the next request without a restart; parsing a
//! small template costs far less than the request around it.

mod filters;
mod media;
mod pages;
mod thumbs;
mod view;

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, ErrorKind, context};

pub use pages::handle;

/// Whether Folio can render resized versions of files with this extension.
pub fn is_resizable(extension: &str) -> bool {
    thumbs::RESIZABLE.contains(&extension.to_ascii_lowercase().as_str())
}
pub use view::{Link, PageData, PageView, SiteData};

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Neither `<template>.html` nor `default.html` exists.
    #[error("no template `{0}.html` and no `default.html`")]
    NoTemplate(String),
    /// A template could not be read, has a syntax error or failed while
    /// rendering (an unreadable file shows as the error's source).
    #[error("template `{name}` failed")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
}

/// The template the page's own template falls back to, as in Kirby.
const FALLBACK_TEMPLATE: &str = "default";

/// The templates folder of a site (`site/templates`).
#[derive(Clone, Debug)]
pub struct Templates {
    dir: PathBuf,
}

impl Templates {
    /// Templates read from `dir`; the folder need not exist yet.
    pub fn new(dir: impl Into<PathBuf>) -> Templates {
        Templates { dir: dir.into() }
    }

    /// The folder templates are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Renders `<template>.html` (or `default.html`) with the page, the site
    /// and the CSRF token.
    pub fn render(&self, template: &str, view: PageView) -> Result<String, RenderError> {
        let env = self.environment(view.csrf);
        let ctx = context! { page => view.page, site => view.site };

        for name in [template, FALLBACK_TEMPLATE] {
            if !is_safe_name(name) {
                continue;
            }
            let file = format!("{name}.html");
            match env.get_template(&file) {
                Ok(compiled) => {
                    return compiled
                        .render(&ctx)
                        .map_err(|source| template_error(&file, source));
                }
                Err(err) if err.kind() == ErrorKind::TemplateNotFound => continue,
                Err(err) => return Err(template_error(&file, err)),
            }
        }
        Err(RenderError::NoTemplate(template.to_owned()))
    }

    /// A fresh environment that loads from the folder, so edits show at once.
    fn environment(&self, csrf: String) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.add_function("csrf", move || csrf.clone());
        env.add_filter("paragraphs", filters::paragraphs);

        let dir = self.dir.clone();
        env.set_loader(move |name| load(&dir, name));
        env
    }
}

/// Reads one template for minijinja's loader; a missing file is `None`.
fn load(dir: &Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    if !is_safe_name(name.strip_suffix(".html").unwrap_or(name)) {
        return Ok(None);
    }
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(source) => Ok(Some(source)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot read template `{}`", path.display()),
        )
        .with_source(err)),
    }
}

/// Template names are relative paths of plain segments: nothing that could
/// climb out of the templates folder or name a hidden file.
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && name.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

fn template_error(name: &str, source: minijinja::Error) -> RenderError {
    RenderError::Template {
        name: name.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod site_tests;
