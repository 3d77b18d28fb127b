//! User accounts in Kirby's format (storage.md §4–§5): an `index.php`
//! array of credentials, a `.htpasswd` with the bcrypt hash (and other
//! secrets), and `user.txt` / `user.<code>.txt` with the content fields.
//!
//! This module owns every write to `site/accounts`: creating an account,
//! merging changed credentials into `index.php` in Kirby's key order,
//! replacing the password while keeping other secrets, writing content and
//! deleting. Each step is crash-safe: single files are replaced atomically,
//! and whole folders appear or disappear with one rename.

use std::path::Path;

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Map, Value};

use super::content::{content_path, write_fields};
use super::fsio::write_atomic;
use super::model::User;
use super::scan::account_files;
use crate::auth::password::Htpasswd;
use crate::format::php::{PhpArray, PhpKey, PhpValue, parse_return_file, write_return_file};
use crate::format::txt::Fields;

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
    /// An account file Folio cannot rewrite without losing what is in it
    /// (PHP it cannot evaluate, a broken secrets line).
    #[error("cannot safely rewrite `{0}`")]
    Unwritable(String),
}

/// Whether a (normalised) address may be stored: Kirby's rule, see
/// [`crate::format::email::is_valid`].
pub fn valid_email(email: &str) -> bool {
    crate::format::email::is_valid(email)
}

pub fn validate(user: &NewUser, existing: &[User], language_ok: bool) -> Result<(), AccountError> {
    let email = crate::format::email::normalize(&user.email);
    if !valid_email(&email) {
        return Err(AccountError::InvalidEmail);
    }
    if existing.iter().any(|u| u.email == email) {
        return Err(AccountError::Duplicate(email));
    }
    if !language_ok {
        return Err(AccountError::InvalidLanguage);
    }
    // Kirby requires a password of the first user only; later accounts may
    // be created without one (an empty password means none).
    match user.password.as_deref().filter(|p| !p.is_empty()) {
        Some(password) => check_password(password),
        None if existing.is_empty() => Err(AccountError::PasswordTooShort),
        None => Ok(()),
    }
}

/// Kirby's length rules for a password (8 to 1000 characters).
pub fn check_password(password: &str) -> Result<(), AccountError> {
    use crate::auth::password::{PasswordRule, validate_length};
    match validate_length(password) {
        Ok(()) => Ok(()),
        Err(PasswordRule::Invalid) => Err(AccountError::PasswordTooShort),
        Err(PasswordRule::Excessive) => Err(AccountError::PasswordTooLong),
    }
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

fn hash(password: &str) -> Result<String, AccountError> {
    crate::auth::password::hash(password).map_err(|e| AccountError::Hash(e.to_string()))
}

/// Writes the three account files into a fresh folder under `accounts`,
/// with `content` (already in storage order) as `user.txt`. The folder is
/// filled under a temporary name and renamed into place, so a half-made
/// account is never visible.
pub fn write_account(
    accounts: &Path,
    user: &NewUser,
    content: &Fields,
) -> Result<String, AccountError> {
    let id = new_id(accounts);
    let hash = match user.password.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => hash(p)?,
        None => String::new(),
    };
    let index = PhpValue::Array(PhpArray(vec![
        (
            PhpKey::Str("email".into()),
            PhpValue::Str(crate::format::email::normalize(&user.email)),
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
        write_atomic(&staging.join("user.txt"), content.to_text().as_bytes())?;
        std::fs::rename(&staging, accounts.join(&id))?;
        Ok(())
    })();
    if result.is_err() {
        std::fs::remove_dir_all(&staging).ok();
    }
    result.map(|()| id)
}

/// Validates and writes a new account with an empty `user.txt`, then
/// returns it from the refreshed index.
pub fn create_user(
    store: &super::Store,
    user: NewUser,
    language_ok: bool,
) -> Result<User, AccountError> {
    create_user_with_content(store, user, &Fields::default(), language_ok)
}

/// Validates and writes a new account with `content` as its `user.txt`.
/// Validation runs again under the writer lock, so two requests cannot
/// both create the same e-mail address.
pub fn create_user_with_content(
    store: &super::Store,
    user: NewUser,
    content: &Fields,
    language_ok: bool,
) -> Result<User, AccountError> {
    let id = store.write_in(store.accounts_dir(), |site| {
        validate(&user, &site.users, language_ok)?;
        write_account(store.accounts_dir(), &user, content)
    })?;
    store.site().user(&id).cloned().ok_or_else(|| {
        AccountError::Io(std::io::Error::other("the new account cannot be read back"))
    })
}

/// Merges `changes` into the account's `index.php` the way Kirby does
/// (`array_merge`): existing keys keep their place, new keys are appended,
/// keys Folio does not know are kept as they are.
pub fn update_credentials(dir: &Path, changes: &[(&str, PhpValue)]) -> Result<(), AccountError> {
    let path = dir.join("index.php");
    let source = std::fs::read_to_string(&path)?;
    let unwritable = || AccountError::Unwritable(path.display().to_string());
    let value = parse_return_file(&source).map_err(|_| unwritable())?;
    let PhpValue::Array(mut array) = value else {
        return Err(unwritable());
    };
    if array.0.iter().any(|(_, v)| v.contains_dynamic()) {
        return Err(unwritable());
    }
    for (key, new) in changes {
        let key = PhpKey::Str((*key).to_owned());
        match array.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = new.clone(),
            None => array.0.push((key, new.clone())),
        }
    }
    write_atomic(&path, write_return_file(&PhpValue::Array(array)).as_bytes())?;
    Ok(())
}

/// Replaces the password hash in `.htpasswd`, keeping any other secrets
/// (a TOTP key) on line 2. The new file's mtime voids older sessions.
///
/// A secrets line Folio cannot read (not UTF-8, not a JSON object) is
/// dropped with a warning rather than refused: the scan already ignores it
/// (so it protects nothing), and refusing would leave the owner no way to
/// repair the account through the API.
pub fn write_password(dir: &Path, password: &str) -> Result<(), AccountError> {
    let path = dir.join(".htpasswd");
    let secrets = match std::fs::read(&path) {
        Ok(bytes) => readable_secrets(&path, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
        Err(e) => return Err(e.into()),
    };
    let file = Htpasswd {
        hash: hash(password)?,
        secrets,
    };
    write_atomic(&path, file.to_file_string().as_bytes())?;
    Ok(())
}

/// The secrets on line 2 of a `.htpasswd`; line 1 (the old hash) is about to
/// be replaced, so it does not matter what it holds.
fn readable_secrets(path: &Path, bytes: &[u8]) -> Map<String, Value> {
    let (_, line) = account_files::split_first_line(bytes);
    account_files::secrets_line(line).unwrap_or_else(|| {
        tracing::warn!(path = %path.display(), "dropping an unreadable secrets line while writing a new password");
        Map::new()
    })
}

/// Rewrites the account's content file for `language` (`None` on a
/// single-language site).
pub fn write_content(
    dir: &Path,
    language: Option<&str>,
    fields: &Fields,
) -> Result<(), AccountError> {
    write_fields(&content_path(dir, "user", language), fields)?;
    Ok(())
}

/// Removes an account folder. It is first renamed to a hidden name, which
/// the scan skips, so the account disappears in one step even if removing
/// its files fails half way.
pub fn delete_account(dir: &Path) -> Result<(), AccountError> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("account");
    let parent = dir
        .parent()
        .ok_or_else(|| AccountError::Unwritable(dir.display().to_string()))?;
    let hidden = parent.join(format!(".{name}.folio-deleted-{}", std::process::id()));
    std::fs::rename(dir, &hidden)?;
    if let Err(e) = std::fs::remove_dir_all(&hidden) {
        tracing::warn!(path = %hidden.display(), "the deleted account could not be removed completely: {e}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const INDEX: &str = "<?php\n\nreturn [\n    'email' => 'a@example.com',\n    'language' => 'en',\n    'name' => NULL,\n    'role' => 'editor',\n    'custom' => 'kept'\n];";

    fn account(index: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.php"), index).unwrap();
        dir
    }

    fn new_user(email: &str, password: Option<&str>) -> NewUser {
        NewUser {
            email: email.into(),
            password: password.map(str::to_owned),
            name: None,
            language: "en".into(),
            role: "editor".into(),
        }
    }

    #[test]
    fn credentials_merge_in_place_and_append_new_keys() {
        let dir = account(INDEX);
        let changes = [
            ("name", PhpValue::Str("O'Brien \\ x".into())),
            ("extra", PhpValue::Str("new".into())),
        ];
        update_credentials(dir.path(), &changes).unwrap();
        let written = std::fs::read_to_string(dir.path().join("index.php")).unwrap();
        assert_eq!(
            written,
            "<?php\n\nreturn [\n    'email' => 'a@example.com',\n    'language' => 'en',\n    'name' => 'O\\'Brien \\\\ x',\n    'role' => 'editor',\n    'custom' => 'kept',\n    'extra' => 'new'\n];"
        );
    }

    #[test]
    fn credentials_with_php_code_are_left_alone() {
        let source = "<?php\n\nreturn [\n    'email' => env('MAIL'),\n    'role' => 'admin'\n];";
        let dir = account(source);
        let result = update_credentials(dir.path(), &[("role", PhpValue::Str("editor".into()))]);
        assert!(matches!(result, Err(AccountError::Unwritable(_))));
        let unchanged = std::fs::read_to_string(dir.path().join("index.php")).unwrap();
        assert_eq!(unchanged, source);
    }

    #[test]
    fn a_new_password_keeps_the_other_secrets() {
        let dir = account(INDEX);
        let htpasswd = dir.path().join(".htpasswd");
        std::fs::write(&htpasswd, "$2y$10$old\n{\"totp\":\"ABC\"}").unwrap();
        write_password(dir.path(), "brand-new-pass").unwrap();
        let written = Htpasswd::parse(&std::fs::read_to_string(&htpasswd).unwrap()).unwrap();
        assert!(written.hash.starts_with("$2y$10$") && written.hash.len() == 60);
        assert!(crate::auth::password::verify(
            "brand-new-pass",
            &written.hash
        ));
        assert_eq!(
            written.secrets.get("totp").and_then(|v| v.as_str()),
            Some("ABC")
        );
    }

    #[test]
    fn an_unreadable_secrets_file_gets_the_new_hash() {
        for broken in [&b"$2y$10$old\n{broken"[..], b"\xff\xfe\n\xff", b"\xff"] {
            let dir = account(INDEX);
            let htpasswd = dir.path().join(".htpasswd");
            std::fs::write(&htpasswd, broken).unwrap();
            write_password(dir.path(), "brand-new-pass").unwrap();
            let written = Htpasswd::parse(&std::fs::read_to_string(&htpasswd).unwrap()).unwrap();
            assert!(crate::auth::password::verify(
                "brand-new-pass",
                &written.hash
            ));
            assert!(written.secrets.is_empty());
        }
    }

    #[test]
    fn good_secrets_survive_a_broken_hash_line() {
        let dir = account(INDEX);
        let htpasswd = dir.path().join(".htpasswd");
        std::fs::write(&htpasswd, b"\xff\n{\"totp\":\"ABC\"}").unwrap();
        write_password(dir.path(), "brand-new-pass").unwrap();
        let written = Htpasswd::parse(&std::fs::read_to_string(&htpasswd).unwrap()).unwrap();
        assert_eq!(written.secrets["totp"], "ABC");
    }

    #[test]
    fn deleting_leaves_nothing_behind() {
        let accounts = tempfile::tempdir().unwrap();
        let dir = accounts.path().join("abcdEFGH");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.php"), INDEX).unwrap();
        delete_account(&dir).unwrap();
        assert_eq!(std::fs::read_dir(accounts.path()).unwrap().count(), 0);
    }

    #[test]
    fn only_the_first_user_needs_a_password() {
        assert!(matches!(
            validate(&new_user("a@example.com", None), &[], true),
            Err(AccountError::PasswordTooShort)
        ));
        let dir = tempfile::tempdir().unwrap();
        let id = write_account(
            dir.path(),
            &new_user("b@example.com", None),
            &Fields::default(),
        )
        .unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(&id).join(".htpasswd")).unwrap(),
            b""
        );
        assert!(matches!(
            validate(&new_user("a@example.com", Some("short")), &[], true),
            Err(AccountError::PasswordTooShort)
        ));
        let long = "x".repeat(1001);
        assert!(matches!(
            validate(&new_user("a@example.com", Some(&long)), &[], true),
            Err(AccountError::PasswordTooLong)
        ));
        assert!(matches!(
            validate(&new_user("a@example.com", Some("long-enough")), &[], false),
            Err(AccountError::InvalidLanguage)
        ));
    }

    #[test]
    fn a_new_account_has_exactly_three_files() {
        let dir = tempfile::tempdir().unwrap();
        let content = crate::format::txt::parse("Bio: hi");
        let id = write_account(
            dir.path(),
            &new_user(" New@Example.com ", Some("long-enough")),
            &content,
        )
        .unwrap();
        let folder = dir.path().join(&id);
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".htpasswd", "index.php", "user.txt"]);
        assert_eq!(
            std::fs::read_to_string(folder.join("user.txt")).unwrap(),
            "Bio: hi"
        );
        let index = std::fs::read_to_string(folder.join("index.php")).unwrap();
        assert!(index.contains("'email' => 'new@example.com'"));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no staging folder left"
        );
    }

    proptest! {
        #[test]
        fn any_name_round_trips_through_index_php(name in "\\PC{0,40}") {
            let dir = account(INDEX);
            update_credentials(dir.path(), &[("name", PhpValue::Str(name.clone()))]).unwrap();
            let source = std::fs::read_to_string(dir.path().join("index.php")).unwrap();
            let parsed = parse_return_file(&source).unwrap();
            let array = parsed.as_array().unwrap();
            prop_assert_eq!(array.get("name").and_then(PhpValue::as_str), Some(name.as_str()));
            prop_assert_eq!(array.get("custom").and_then(PhpValue::as_str), Some("kept"));
        }
    }
}
