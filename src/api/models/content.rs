//! The `content` of pages, the site, files and users as the Panel receives
//! it: blueprint form values (see [`crate::blueprint::form_values`]), with
//! references to files, pages and users resolved against the site index.

use serde_json::Value;

use super::file::{self, Owner};
use super::page;
use crate::api::call::Call;
use crate::blueprint::{
    self, Blueprint, FileFacts, PageFacts, TemplateChoice, UserFacts, ValueContext,
};
use crate::format::txt::Fields;
use crate::store::model::fields_for;
use crate::store::{File, PageRef, User, media};

/// Resolves the references inside one model's content.
struct Resolver<'c, 'a> {
    call: &'c Call<'a>,
    owner: Owner<'c>,
}

impl Resolver<'_, '_> {
    fn file_facts(&self, owner: Owner, file: &File) -> FileFacts {
        let call = self.call;
        FileFacts {
            id: file::id(call, owner, file),
            filename: file.filename.clone(),
            owner: match owner {
                Owner::Page(p) => blueprint::Owner::Page(call.site.pages[p].id.clone()),
                Owner::Site => blueprint::Owner::Site,
                Owner::User(id) => blueprint::Owner::User(id.to_owned()),
            },
            uuid: file::uuid(call, file).map(|u| format!("file://{u}")),
            url: file::url(call, owner, file),
            kind: media::type_for(&file.extension).to_owned(),
            extension: file.extension.clone(),
            dimensions: file.dimensions,
        }
    }

    /// A file by `file://uuid`, by id (`page/x.jpg`), or by name relative to the owner.
    fn find_file(&self, reference: &str) -> Option<(Owner<'_>, &File)> {
        let call = self.call;
        if let Some(uuid) = reference.strip_prefix("file://") {
            return self
                .all_files()
                .into_iter()
                .find(|(_, f)| file::uuid(call, f).as_deref() == Some(uuid));
        }
        if let Some(found) = file::files_of(call, self.owner)
            .into_iter()
            .find(|f| f.filename == reference)
        {
            return Some((self.owner, found));
        }
        let (page_id, name) = reference.rsplit_once('/')?;
        let p = call.site.page_ref(page_id)?;
        call.site.pages[p]
            .files
            .iter()
            .find(|f| f.filename == name)
            .map(|f| (Owner::Page(p), f))
    }

    /// Every file, the site's first, then the pages' in the order of the
    /// site index (not of the arena, whose order depends on what was read
    /// again since start-up), so that a UUID two files share finds the same
    /// one in any process.
    fn all_files(&self) -> Vec<(Owner<'_>, &File)> {
        let site = &self.call.site;
        let pages = site
            .index(true)
            .into_iter()
            .flat_map(|i| site.pages[i].files.iter().map(move |f| (Owner::Page(i), f)));
        site.files
            .iter()
            .map(|f| (Owner::Site, f))
            .chain(pages)
            .collect()
    }

    fn find_page(&self, reference: &str) -> Option<PageRef> {
        let call = self.call;
        match reference.strip_prefix("page://") {
            // In the order of the site index, as for files.
            Some(uuid) => call
                .site
                .index(true)
                .into_iter()
                .find(|&p| page::uuid(call, p).as_deref() == Some(uuid)),
            None => call.site.page_ref(reference),
        }
    }
}

impl ValueContext for Resolver<'_, '_> {
    fn now(&self) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        time::OffsetDateTime::from_unix_timestamp(self.call.now)
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_default()
    }

    fn model(&self) -> blueprint::Owner {
        match self.owner {
            Owner::Page(p) => blueprint::Owner::Page(self.call.site.pages[p].id.clone()),
            Owner::Site => blueprint::Owner::Site,
            Owner::User(id) => blueprint::Owner::User(id.to_owned()),
        }
    }

    fn file(&self, reference: &str) -> Option<FileFacts> {
        self.find_file(reference)
            .map(|(owner, f)| self.file_facts(owner, f))
    }

    fn page(&self, reference: &str) -> Option<PageFacts> {
        let call = self.call;
        let p = self.find_page(reference)?;
        let page = &call.site.pages[p];
        let image = page
            .files
            .iter()
            .find(|f| media::type_for(&f.extension) == "image")
            .map(|f| self.file_facts(Owner::Page(p), f));
        Some(PageFacts {
            id: page.id.clone(),
            title: page::title(call, p),
            uuid: page::uuid(call, p).map(|u| format!("page://{u}")),
            url: page::url(call, p),
            has_children: !page.children.is_empty(),
            icon: call.app.blueprints.page(&page.template).icon.clone(),
            image,
        })
    }

    fn user(&self, reference: &str) -> Option<UserFacts> {
        let id = reference.strip_prefix("user://").unwrap_or(reference);
        let user = self
            .call
            .site
            .user(id)
            .or_else(|| self.call.site.user_by_email(id))?;
        Some(UserFacts {
            id: user.id.clone(),
            email: user.email.clone(),
            username: user.username().to_owned(),
            avatar: user
                .avatar
                .as_ref()
                .map(|a| self.file_facts(Owner::User(&user.id), a)),
        })
    }
}

/// Resolves the file, page and user references in `owner`'s content
/// against the site index (form validation counts the ones that exist).
pub fn references<'c>(call: &'c Call<'_>, owner: Owner<'c>) -> impl ValueContext + 'c {
    Resolver { call, owner }
}

fn values(call: &Call, owner: Owner, blueprint: &Blueprint, fields: &Fields) -> Value {
    let stored: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    blueprint::form_values(blueprint, &stored, &Resolver { call, owner })
}

pub fn page(call: &Call, p: PageRef) -> Value {
    let page = &call.site.pages[p];
    let fields = fields_for(
        &page.content,
        call.language.as_ref(),
        call.site.default_language(),
    );
    values(
        call,
        Owner::Page(p),
        call.app.blueprints.page(&page.template),
        &fields,
    )
}

pub fn site(call: &Call) -> Value {
    let fields = fields_for(
        &call.site.content,
        call.language.as_ref(),
        call.site.default_language(),
    );
    values(call, Owner::Site, call.app.blueprints.site(), &fields)
}

pub fn file(call: &Call, owner: Owner, f: &File) -> Value {
    let fields = fields_for(
        &f.meta,
        call.language.as_ref(),
        call.site.default_language(),
    );
    let template = fields
        .get("template")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    values(
        call,
        owner,
        call.app.blueprints.file(template.as_deref()),
        &fields,
    )
}

pub fn user(call: &Call, u: &User) -> Value {
    let fields = fields_for(
        &u.content,
        call.language.as_ref(),
        call.site.default_language(),
    );
    values(
        call,
        Owner::User(&u.id),
        call.app.blueprints.user(&u.role),
        &fields,
    )
}

/// The templates offered for new children of a page (or the site).
pub fn child_blueprints(
    call: &Call,
    page: Option<PageRef>,
    section: Option<&str>,
) -> Vec<TemplateChoice> {
    let blueprints = &call.app.blueprints;
    let blueprint = match page {
        Some(p) => blueprints.page(&call.site.pages[p].template),
        None => blueprints.site(),
    };
    match section {
        Some(name) => blueprints
            .section_choices(blueprint, name)
            .unwrap_or_default(),
        None => blueprints.all_section_choices(blueprint),
    }
}
