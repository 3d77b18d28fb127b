//! The values a template sees: a read-only snapshot of one page and the site.
//!
//! These are plain data filled in by whoever serves the page (the site index
//! knows titles, URLs and fields; the session layer knows the CSRF token), so
//! the template engine never reaches into the store or the session itself.

use std::collections::BTreeMap;

use serde::Serialize;

/// Everything one render needs.
#[derive(Clone, Debug, Default)]
pub struct PageView {
    /// The page being shown, as `page` in the template.
    pub page: PageData,
    /// The site around it, as `site` in the template.
    pub site: SiteData,
    /// What `{{ csrf() }}` returns: the visitor's session CSRF token.
    pub csrf: String,
}

/// A page as templates see it (`page.title`, `page.content.text`, …).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PageData {
    /// Page id, slugs joined by `/` (`notes/first-note`).
    pub id: String,
    pub title: String,
    pub slug: String,
    /// Absolute URL of the page.
    pub url: String,
    pub template: String,
    /// `listed`, `unlisted` or `draft`.
    pub status: String,
    /// Content fields under their normalised (lowercase) keys, as stored.
    pub content: BTreeMap<String, String>,
    /// Listed children in order, for list pages such as a blog.
    pub children: Vec<Link>,
}

/// The site as templates see it (`site.title`, `site.children`, …).
#[derive(Clone, Debug, Default, Serialize)]
pub struct SiteData {
    pub title: String,
    /// Base URL of the site.
    pub url: String,
    /// The site's own content fields (`content/site.txt`).
    pub content: BTreeMap<String, String>,
    /// Top-level pages in order (normally the listed ones), for navigation menus.
    pub children: Vec<Link>,
}

/// A title and a URL, enough to draw a link.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}
