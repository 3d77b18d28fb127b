//! Writing a model's content in the request's language, for every handler
//! that changes content fields (PATCH of the site, a page, a file, a user;
//! a title change).
//!
//! Kirby writes the whole translation: on a multi-language site the file of
//! the request language (`<name>.<code>.txt`), holding the default content
//! laid under the language's own, the changes on top, and, in a secondary
//! language, without the untranslatable fields and the `uuid`
//! ([`translation_fields`]). An unknown language is refused first
//! ([`write_language`]), so nothing is written.

use std::path::PathBuf;

use super::super::super::call::Call;
use super::super::super::error::{ApiError, ApiResult};
use super::write_language;
use crate::app::App;
use crate::blueprint::Blueprint;
use crate::format::txt::Fields;
use crate::store::commit::{CommitError, ContentWrite};
use crate::store::content::{content_path, write_fields};
use crate::store::languages::translation_fields;
use crate::store::model::{Site, Translated, fields_for};
use crate::store::{PageRef, Touched};

/// A model whose content is written.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentModel {
    Site,
    Page(PageRef),
    /// A file of a page (`Some`) or of the site (`None`), by file name.
    PageFile(Option<PageRef>, String),
    /// A file of a user (the avatar): user id, file name.
    UserFile(String, String),
    User(String),
}

/// Writes `changes` (a `None` value removes the field) to the model's
/// content file in the request language and reloads the site. Returns the
/// fields as written, which is what Kirby's answer shows.
pub fn write_content(
    call: &mut Call,
    model: &ContentModel,
    changes: &[(String, Option<String>)],
) -> ApiResult<Fields> {
    let language = write_language(call)?;
    let code = language.as_ref().map(|l| l.code.clone());
    let app = call.app;
    if let ContentModel::Page(page) = model {
        return write_page_content(call, *page, code, changes);
    }
    // Page references index one snapshot; the page is found again by its id
    // in the snapshot current under the write lock, so a concurrent rename
    // of its folder is followed, and a write that landed in between is
    // merged, not overwritten.
    let page_id = |page: &PageRef| call.site.pages.get(*page).map(|p| p.id.clone());
    let ids = match model {
        ContentModel::PageFile(Some(page), _) => page_id(page),
        _ => None,
    };
    let planned = [model_folder(call, model)];
    let written = app.store.write_refreshing(&planned, |site| {
        match write_current(app, site, model, ids.as_deref(), code.as_deref(), changes) {
            Ok((fields, dir)) => (Ok(fields), Touched::Folders(vec![dir])),
            // Nothing was written.
            Err(error) => (Err(error), Touched::Folders(Vec::new())),
        }
    });
    call.site = app.store.site();
    written
}

/// A page's content goes through the store's group commit, the hot write
/// path (PATCH of a page): like the other models it is merged into the
/// page's content as current under the write lock, found by id.
fn write_page_content(
    call: &mut Call,
    page: PageRef,
    code: Option<String>,
    changes: &[(String, Option<String>)],
) -> ApiResult<Fields> {
    let app = call.app;
    let p = call
        .site
        .pages
        .get(page)
        .ok_or_else(|| ApiError::page_not_found(""))?;
    let write = ContentWrite {
        page_id: p.id.clone(),
        template: p.template.clone(),
        code,
        changes: changes.to_vec(),
        untranslatable: untranslatable(app.blueprints.page(&p.template)),
    };
    let page_id = write.page_id.clone();
    let outcome = app.store.commit_content(write);
    call.site = app.store.site();
    match outcome {
        Ok(written) => Ok(written.fields),
        Err(CommitError::PageNotFound) => Err(ApiError::page_not_found(&page_id)),
        Err(CommitError::Stale) => Err(ApiError::stale()),
        Err(CommitError::Unreadable(path)) => Err(unreadable(&path)),
        Err(CommitError::Io(path, e)) => Err(ApiError::internal(format!(
            "cannot write `{}`: {e}",
            path.display()
        ))),
    }
}

/// The names of the fields a secondary language does not keep.
fn untranslatable(blueprint: &Blueprint) -> Vec<String> {
    blueprint
        .fields
        .iter()
        .filter(|f| !f.translate)
        .map(|f| f.name.clone())
        .collect()
}

/// The write itself, on the snapshot current under the write lock; returns
/// the fields as written and the model's folder.
fn write_current(
    app: &App,
    site: &Site,
    model: &ContentModel,
    page_id: Option<&str>,
    code: Option<&str>,
    changes: &[(String, Option<String>)],
) -> ApiResult<(Fields, PathBuf)> {
    let model = &current_ref(site, model, page_id)?;
    let (dir, name, translated, untranslatable) = locate(app, site, model)?;
    let default_code = site
        .default_language()
        .map(|l| l.code.clone())
        .unwrap_or_default();
    let own_code = code.unwrap_or_default().to_owned();
    let untranslatable: Vec<&str> = untranslatable.iter().map(String::as_str).collect();
    let fields = translation_fields(
        translated.get(&default_code).map(|f| &**f),
        translated.get(&own_code).map(|f| &**f),
        changes,
        &untranslatable,
        own_code == default_code,
    );
    let path = content_path(&dir, &name, code);
    if site.is_unreadable(&path) {
        return Err(unreadable(&path));
    }
    write_fields(&path, &fields)
        .map_err(|e| ApiError::internal(format!("cannot write `{}`: {e}", path.display())))?;
    Ok((fields, dir))
}

/// The folder that holds the content file of `model`, as the call's
/// snapshot shows it.
fn model_folder(call: &Call, model: &ContentModel) -> PathBuf {
    let store = &call.app.store;
    match model {
        ContentModel::Page(page) | ContentModel::PageFile(Some(page), _) => call
            .site
            .pages
            .get(*page)
            .map(|p| p.dir.clone())
            .unwrap_or_else(|| store.content_dir().to_owned()),
        ContentModel::Site | ContentModel::PageFile(None, _) => store.content_dir().to_owned(),
        ContentModel::User(_) | ContentModel::UserFile(..) => store.accounts_dir().to_owned(),
    }
}

/// `model` with its page reference moved to the page of the same id in `site`.
fn current_ref(
    site: &Site,
    model: &ContentModel,
    page_id: Option<&str>,
) -> ApiResult<ContentModel> {
    let find = || {
        page_id
            .and_then(|id| site.page_ref(id))
            .ok_or_else(|| ApiError::page_not_found(page_id.unwrap_or_default()))
    };
    Ok(match model {
        ContentModel::Page(_) => ContentModel::Page(find()?),
        ContentModel::PageFile(Some(_), name) => {
            ContentModel::PageFile(Some(find()?), name.clone())
        }
        other => other.clone(),
    })
}

/// A content file that Folio could not read is left alone: overwriting it
/// would lose whatever it holds.
fn unreadable(path: &std::path::Path) -> ApiError {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ApiError::message(
        crate::api::error::Class::Logic,
        format!("The content file \"{name}\" cannot be read; fix or remove it before saving"),
    )
    .status(409)
}

/// The folder, content file name, current content and untranslatable
/// field names of a model.
fn locate(
    app: &App,
    site: &Site,
    model: &ContentModel,
) -> ApiResult<(PathBuf, String, Translated, Vec<String>)> {
    let blueprints = &app.blueprints;
    let gone = || ApiError::internal("the model changed while it was being written");
    let (dir, name, translated, blueprint): (PathBuf, String, Translated, &Blueprint) = match model
    {
        ContentModel::Site => (
            app.store.content_dir().to_owned(),
            "site".into(),
            site.content.clone(),
            blueprints.site(),
        ),
        ContentModel::Page(page) => {
            let p = site.pages.get(*page).ok_or_else(gone)?;
            (
                p.dir.clone(),
                p.template.clone(),
                p.content.clone(),
                blueprints.page(&p.template),
            )
        }
        ContentModel::PageFile(_, filename) | ContentModel::UserFile(_, filename) => {
            let files = match model {
                ContentModel::PageFile(Some(page), _) => {
                    &site.pages.get(*page).ok_or_else(gone)?.files
                }
                ContentModel::UserFile(id, _) => site
                    .user(id)
                    .ok_or_else(|| ApiError::user_not_found(id))?
                    .avatar
                    .as_slice(),
                _ => &site.files,
            };
            let file = files
                .iter()
                .find(|f| f.filename == *filename)
                .ok_or_else(|| ApiError::file_not_found(filename))?;
            let dir = file.path.parent().map(PathBuf::from).unwrap_or_default();
            let meta = fields_for(&file.meta, site.default_language(), site.default_language());
            let template = meta.get("template").filter(|t| !t.is_empty());
            (
                dir,
                file.filename.clone(),
                file.meta.clone(),
                blueprints.file(template),
            )
        }
        ContentModel::User(id) => {
            let user = site.user(id).ok_or_else(|| ApiError::user_not_found(id))?;
            (
                user.dir.clone(),
                "user".into(),
                user.content.clone(),
                blueprints.user(&user.role),
            )
        }
    };
    Ok((dir, name, translated, untranslatable(blueprint)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::HeaderMap;

    use super::*;
    use crate::api::call::Actor;
    use crate::api::request::{Body, Query};
    use crate::auth::flow::SessionState;
    use crate::store::test_files::write;

    const LANGUAGE: &str =
        "<?php\n\nreturn ['code' => 'CODE', 'default' => DEFAULT, 'name' => 'CODE'];";

    /// An English + German site whose `note` blueprint keeps `date` untranslated.
    fn site() -> (tempfile::TempDir, Arc<App>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            &root.join("site/config/config.php"),
            "<?php\n\nreturn ['languages' => true];",
        );
        write(
            &root.join("site/languages/en.php"),
            &LANGUAGE.replace("CODE", "en").replace("DEFAULT", "true"),
        );
        write(
            &root.join("site/languages/de.php"),
            &LANGUAGE.replace("CODE", "de").replace("DEFAULT", "false"),
        );
        write(
            &root.join("site/blueprints/pages/note.yml"),
            "fields:\n  text: textarea\n  date:\n    type: date\n    translate: false\n",
        );
        write(
            &root.join("content/note/note.en.txt"),
            "Title: Note\n\n----\n\nDate: 2024-01-01\n\n----\n\nUuid: abc",
        );
        let app = App::open(root).unwrap();
        (dir, app)
    }

    fn call<'a>(app: &'a App, query: &str, header: Option<&str>) -> Call<'a> {
        let mut headers = HeaderMap::new();
        if let Some(code) = header {
            headers.insert("x-language", code.parse().unwrap());
        }
        Call {
            app,
            site: app.store.site(),
            method: "PATCH".into(),
            args: Vec::new(),
            query: Query(crate::api::request::parse_query(query)),
            body: Body::Empty,
            raw_body: Default::default(),
            actor: Actor::anonymous(),
            session: SessionState::from_cookie_header(app, None, false, 0),
            language: None,
            origin: "http://localhost".into(),
            is_https: false,
            now: 0,
            peer: None,
            headers,
        }
    }

    fn change(key: &str, value: &str) -> Vec<(String, Option<String>)> {
        vec![(key.to_owned(), Some(value.to_owned()))]
    }

    #[test]
    fn a_secondary_language_gets_its_own_file_without_untranslatable_fields() {
        let (dir, app) = site();
        let mut call = call(&app, "", Some("DE"));
        let page = ContentModel::Page(call.site.page_ref("note").unwrap());
        write_content(&mut call, &page, &change("text", "Hallo")).unwrap();
        let german = std::fs::read_to_string(dir.path().join("content/note/note.de.txt")).unwrap();
        assert_eq!(german, "Title: Note\n\n----\n\nText: Hallo");
        let english = std::fs::read_to_string(dir.path().join("content/note/note.en.txt")).unwrap();
        assert_eq!(
            english,
            "Title: Note\n\n----\n\nDate: 2024-01-01\n\n----\n\nUuid: abc"
        );
        assert_eq!(
            call.site.page("note").unwrap().content["de"].get("text"),
            Some("Hallo")
        );
    }

    #[test]
    fn the_default_language_keeps_every_field() {
        let (dir, app) = site();
        let mut call = call(&app, "language=en", Some("de"));
        let page = ContentModel::Page(call.site.page_ref("note").unwrap());
        write_content(&mut call, &page, &change("date", "2025-02-02")).unwrap();
        let english = std::fs::read_to_string(dir.path().join("content/note/note.en.txt")).unwrap();
        assert_eq!(
            english,
            "Title: Note\n\n----\n\nDate: 2025-02-02\n\n----\n\nUuid: abc"
        );
        assert!(!dir.path().join("content/note/note.de.txt").exists());
    }

    #[test]
    fn an_unknown_language_writes_nothing() {
        let (dir, app) = site();
        let mut call = call(&app, "language=xx", None);
        let error =
            write_content(&mut call, &ContentModel::Site, &change("title", "X")).unwrap_err();
        let ctx = crate::api::error::ErrorContext {
            translations: &app.translations,
            language: "en",
            debug: false,
            route: None,
        };
        let (status, body) = error.to_body(&ctx);
        assert_eq!(
            (status, body["message"].as_str()),
            (400, Some("Invalid language: xx"))
        );
        assert_eq!(body["key"], "error.invalidArgument");
        assert!(!dir.path().join("content/site.en.txt").exists());
        assert!(!dir.path().join("content/site.xx.txt").exists());
    }
}
