//! Creating user accounts in Kirby's format (storage.md §4–§5): an
//! `index.php` array, a `.htpasswd` bcrypt hash and a `user.txt`.

use std::path::Path;

use rand::Rng;
use rand::distributions::Alphanumeric;

use super::fsio::write_atomic;
use super::model::User;
use crate::format::php::{PhpArray, PhpKey, PhpValue, write_return_file};

/// What a new account is made of, as the API receives it.
pub struct NewUser {
    pub email: String,
    pub password: Option<String>,
    pub name: Option<String>,
    pub language: String,
    pub role: String,
}

/// Why an account cannot be created; each maps to one of Kirby's error keys.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid email")]
    InvalidEmail,
    #[error("duplicate email `{0}`")]
    Duplicate(String),
    #[error("password too short")]
    PasswordTooShort,
    #[error("password too long")]
    PasswordTooLong,
    #[error("invalid language")]
    InvalidLanguage,
    #[error("cannot write the account: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.len() <= 254
}

pub fn validate(user: &NewUser, existing: &[User], language_ok: bool) -> Result<(), AccountError> {
    let email = user.email.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(AccountError::InvalidEmail);
    }
    if existing.iter().any(|u| u.email == email) {
        return Err(AccountError::Duplicate(email));
    }
    let length = user
        .password
        .as_deref()
        .map(|p| p.chars().count())
        .unwrap_or(0);
    if length < 8 {
        return Err(AccountError::PasswordTooShort);
    }
    if length > 1000 {
        return Err(AccountError::PasswordTooLong);
    }
    if !language_ok {
        return Err(AccountError::InvalidLanguage);
    }
    Ok(())
}

fn new_id(accounts: &Path) -> String {
    loop {
        let id: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(8)
            .map(char::from)
            .collect();
        if !accounts.join(&id).exists() {
            return id;
        }
    }
}

fn text(value: Option<&str>) -> PhpValue {
    value
        .map(|v| PhpValue::Str(v.to_owned()))
        .unwrap_or(PhpValue::Null)
}

/// Writes the three account files into a fresh folder under `accounts`.
/// The folder is filled under a temporary name and renamed into place, so a
/// half-made account is never visible.
pub fn write_account(accounts: &Path, user: &NewUser) -> Result<String, AccountError> {
    let id = new_id(accounts);
    let hash = match &user.password {
        Some(p) => crate::auth::password::hash(p).map_err(|e| AccountError::Hash(e.to_string()))?,
        None => String::new(),
    };
    let index = PhpValue::Array(PhpArray(vec![
        (
            PhpKey::Str("email".into()),
            PhpValue::Str(user.email.trim().to_lowercase()),
        ),
        (
            PhpKey::Str("language".into()),
            PhpValue::Str(user.language.clone()),
        ),
        (PhpKey::Str("name".into()), text(user.name.as_deref())),
        (PhpKey::Str("role".into()), PhpValue::Str(user.role.clone())),
    ]));
    let staging = accounts.join(format!(".{id}.folio-new"));
    std::fs::create_dir_all(&staging)?;
    let result = (|| -> Result<(), AccountError> {
        write_atomic(
            &staging.join("index.php"),
            write_return_file(&index).as_bytes(),
        )?;
        write_atomic(&staging.join(".htpasswd"), hash.as_bytes())?;
        write_atomic(&staging.join("user.txt"), b"")?;
        std::fs::rename(&staging, accounts.join(&id))?;
        Ok(())
    })();
    if result.is_err() {
        std::fs::remove_dir_all(&staging).ok();
    }
    result.map(|()| id)
}

/// Validates and writes a new account, then returns it from the refreshed index.
pub fn create_user(
    store: &super::Store,
    user: NewUser,
    language_ok: bool,
) -> Result<User, AccountError> {
    let id = store.write(|site| {
        validate(&user, &site.users, language_ok)?;
        write_account(store.accounts_dir(), &user)
    })?;
    store.site().user(&id).cloned().ok_or_else(|| {
        AccountError::Io(std::io::Error::other("the new account cannot be read back"))
    })
}
