//! Everything a request needs, opened once at start-up: the site's config,
//! its store, blueprints, roles, Panel translations and the session store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::auth::basic_cache::BasicCache;
use crate::auth::csrf::CsrfSecret;
use crate::auth::session::FileSessionStore;
use crate::auth::trials::LoginTrials;
use crate::blueprint::Blueprints;
use crate::config::Config;
use crate::i18n::Translations;
use crate::perm::{Permissions, Role};
use crate::store::{Problem, Store};

pub struct App {
    pub root: PathBuf,
    pub config: Config,
    pub store: Arc<Store>,
    pub blueprints: Blueprints,
    pub roles: Result<Vec<Arc<Role>>, crate::perm::InvalidPermissions>,
    pub translations: Translations,
    pub sessions: FileSessionStore,
    pub csrf_secret: CsrfSecret,
    /// Basic-auth credentials verified recently, so Basic auth does not cost
    /// a bcrypt verify on every request.
    pub basic_cache: BasicCache,
    /// Failed logins per address and account (`site/accounts/.logins`).
    pub login_trials: LoginTrials,
    /// Blueprint files that could not be read.
    pub blueprint_problems: Vec<Problem>,
}

impl App {
    /// Opens the site at `root`. Only a broken config stops start-up; broken
    /// content, account or blueprint files are reported and skipped.
    pub fn open(root: &Path) -> anyhow::Result<Arc<App>> {
        App::open_with(root, Secret::Kept)
    }

    /// Opens the site at `root` to look at it only (`folio check`): the
    /// CSRF secret is made up in memory instead of read from, or written
    /// to, `site/sessions`, so a read-only site can be checked and a check
    /// leaves the folder as it found it.
    pub fn inspect(root: &Path) -> anyhow::Result<Arc<App>> {
        App::open_with(root, Secret::Passing)
    }

    fn open_with(root: &Path, secret: Secret) -> anyhow::Result<Arc<App>> {
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot open site `{}`", root.display()))?;
        let config = crate::config::load(&root, None)?;
        for warning in &config.warnings {
            tracing::warn!("{warning}");
        }
        let store = Store::open(&root, config.languages);
        let (blueprints, errors) = Blueprints::load(&root.join("site/blueprints"));
        let blueprint_problems: Vec<Problem> = errors
            .into_iter()
            .map(|e| Problem {
                path: e.path.clone(),
                line: e.line,
                message: e.message.clone(),
            })
            .collect();
        for problem in &blueprint_problems {
            tracing::warn!(path = %problem.path.display(), "skipping blueprint: {}", problem.message);
        }
        let roles = load_roles(&blueprints);
        let sessions_dir = root.join("site/sessions");
        Ok(Arc::new(App {
            translations: Translations::load(&root),
            sessions: FileSessionStore::new(sessions_dir.clone()),
            csrf_secret: match secret {
                Secret::Kept => CsrfSecret::load_or_create(&sessions_dir).with_context(|| {
                    format!(
                        "cannot keep the csrf secret in `{}`",
                        sessions_dir.display()
                    )
                })?,
                Secret::Passing => CsrfSecret::from_bytes(rand::random()),
            },
            basic_cache: BasicCache::default(),
            login_trials: LoginTrials::new(&root.join("site/accounts")),
            root,
            config,
            store,
            blueprints,
            roles,
            blueprint_problems,
        }))
    }

    /// The role named `name`, or `nobody` when it does not exist. Shared,
    /// not copied: every authenticated request looks its role up.
    pub fn role(&self, name: &str) -> Arc<Role> {
        self.roles
            .as_ref()
            .ok()
            .and_then(|roles| roles.iter().find(|r| r.name == name).cloned())
            .unwrap_or_else(Role::shared_nobody)
    }
}

/// Where the CSRF secret of anonymous sessions comes from.
enum Secret {
    /// `site/sessions/.folio-csrf-secret`, created when missing.
    Kept,
    /// A fresh one that only lives as long as the process.
    Passing,
}

/// Every role: the user blueprints except `default`, plus the built-in admin
/// when the site has no `admin.yml`. Sorted by name, as Kirby lists them.
fn load_roles(blueprints: &Blueprints) -> Result<Vec<Arc<Role>>, crate::perm::InvalidPermissions> {
    let mut roles = Vec::new();
    for blueprint in blueprints.roles() {
        let name = blueprint.role_name().to_owned();
        if name == "admin" && blueprint.permissions.is_none() {
            roles.push(Role::admin());
            continue;
        }
        let permissions = Permissions::from_blueprint(blueprint.permissions.as_ref())?;
        let title = if blueprint.title.is_empty() {
            ucfirst(&name)
        } else {
            blueprint.title.clone()
        };
        roles.push(Role {
            name,
            title,
            description: blueprint.description.clone(),
            permissions,
        });
    }
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(roles.into_iter().map(Arc::new).collect())
}

fn ucfirst(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
