//! The `folio` command line: `check` reports broken files with path and
//! line and fails; `serve` refuses a config it cannot evaluate.

mod support;

use std::process::Command;

use support::{Scratch, copy_dir, fixture_site, write_config};

fn folio(args: &[&str], root: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

#[test]
fn check_passes_a_clean_site() {
    let scratch = Scratch::new();
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    let output = folio(&["check"], &root);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("0 problem(s)"), "{stdout}");
    assert!(
        !root.join("site/sessions").exists(),
        "a check writes nothing into the site"
    );
}

#[test]
fn check_reports_every_broken_file_and_fails() {
    let scratch = Scratch::new();
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    std::fs::write(
        root.join("content/about/about.txt"),
        b"Title: ok\n\nText: \xff",
    )
    .unwrap();
    std::fs::write(
        root.join("site/accounts/L3TKdhXx/index.php"),
        "<?php\n\nreturn [\n  'email' => 'x'\n  'role' => 'admin'\n];",
    )
    .unwrap();
    std::fs::write(
        root.join("site/blueprints/pages/about.yml"),
        "title: About\noptions: [unclosed\n",
    )
    .unwrap();
    let output = folio(&["check"], &root);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("about/about.txt") && stdout.contains("line 3"),
        "{stdout}"
    );
    assert!(stdout.contains("L3TKdhXx/index.php:"), "{stdout}");
    assert!(stdout.contains("pages/about.yml"), "{stdout}");
    assert!(stdout.contains("3 problem(s)"), "{stdout}");
}

#[test]
fn check_reports_broken_account_files() {
    let scratch = Scratch::new();
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    let accounts = root.join("site/accounts");
    std::fs::write(accounts.join("L3TKdhXx/.htpasswd"), "not a hash").unwrap();
    std::fs::write(accounts.join("fdJlnth1/.htpasswd"), b"\xff\xfe\x00").unwrap();
    let client_htpasswd = accounts.join("1bfD8mWb/.htpasswd");
    let client_hash = std::fs::read_to_string(&client_htpasswd).unwrap();
    std::fs::write(
        &client_htpasswd,
        format!("{}\n{{broken", client_hash.trim()),
    )
    .unwrap();
    std::fs::write(accounts.join(".logins"), "{not json").unwrap();
    std::fs::create_dir(accounts.join("nOINDEX1")).unwrap();
    std::fs::create_dir(accounts.join("bAdUtF81")).unwrap();
    std::fs::write(
        accounts.join("bAdUtF81/index.php"),
        b"<?php return ['email' => '\xff'];",
    )
    .unwrap();
    let output = folio(&["check"], &root);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    for expected in [
        "L3TKdhXx/.htpasswd:1: line 1 is not a password hash",
        "fdJlnth1/.htpasswd:1: line 1 is not valid UTF-8",
        "1bfD8mWb/.htpasswd:2: line 2 is not a JSON object of secrets",
        "accounts/.logins: the login log is not valid JSON",
        "nOINDEX1/index.php: the account folder has no index.php",
        "bAdUtF81/index.php: the account file is not valid UTF-8",
        "6 problem(s)",
    ] {
        assert!(stdout.contains(expected), "{expected}\n{stdout}");
    }
}

#[test]
fn serve_refuses_a_dynamic_value_under_an_option_folio_reads() {
    let scratch = Scratch::new();
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    write_config(&root, "    'api' => ['basicAuth' => env('BASIC')],");
    let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["serve", "--listen", "127.0.0.1:0", "--root"])
        .arg(&root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A server that started by mistake must not hang the test run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("folio serve started despite the dynamic config value");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("config.php") && stderr.contains("line 4") && stderr.contains("env()"),
        "{stderr}"
    );
}
