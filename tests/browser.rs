//! The front-end example from Kirby's "REST API access" guide, run in a real
//! browser against the built `folio` binary.
//!
//! The fixture's `example` template prints `csrf()` into a script that asks for
//! `/api/pages/example` anonymously, logs in as the fixture admin, asks again and
//! writes each status and the page title into the DOM. Headless Chromium loads
//! that page and dumps the DOM, which this test reads. It needs Debian's
//! `/usr/bin/chromium` (`.ci/run` installs it); `FOLIO_SKIP_BROWSER=1` skips it.
//! Only std is used, so the test builds whatever state the rest of the crate is in.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{Scratch, Server, copy_dir, fixture_site};

const CHROMIUM: &str = "/usr/bin/chromium";
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

#[test]
fn seed_fetch_example_logs_in_and_reads_the_page() {
    if std::env::var("FOLIO_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("FOLIO_SKIP_BROWSER=1: skipping the browser test");
        return;
    }
    assert!(
        Path::new(CHROMIUM).exists(),
        "`{CHROMIUM}` is missing: install it with `apt-get install chromium` \
         (`.ci/run` does), or set FOLIO_SKIP_BROWSER=1 to skip this test"
    );

    let scratch = Scratch::new();
    let root = scratch.path().join("site");
    copy_dir(&fixture_site(), &root).unwrap();
    write_config(&root);

    let mut server = Server::start(&root, &scratch.path().join("server.log"), &[]);
    let dom = dump_dom(
        &format!("{}/example", server.base_url),
        &scratch.path().join("chromium"),
    );
    server.stop();

    let read = |id: &str| {
        element_text(&dom, id).unwrap_or_else(|| panic!("no element `{id}` in the DOM:\n{dom}"))
    };
    assert_eq!(read("error"), "", "the page script failed");
    assert_eq!(
        read("anonymous-status"),
        "401",
        "anonymous API call must be refused"
    );
    assert_eq!(
        read("login-status"),
        "200",
        "login with csrf() token failed"
    );
    assert_eq!(read("fetch-status"), "200", "session + X-CSRF fetch failed");
    assert_eq!(read("page-title"), "API Example");
    assert_eq!(read("done"), "yes");
}

/// The fixture has no config on purpose; this test needs only sessions, so
/// its config only spells out that Basic auth stays off.
fn write_config(root: &Path) {
    support::write_config(root, "    'api' => [\n        'basicAuth' => false\n    ]");
}

/// Chromium in its own process group, so that drop can end its helpers too.
struct Browser {
    child: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // Only our own group: the negative pid names the group we created.
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Loads `url` in headless Chromium and returns the DOM after its scripts ran.
fn dump_dom(url: &str, profile: &Path) -> String {
    use std::os::unix::process::CommandExt as _;

    let child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=10000", "--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut browser = Browser { child };

    let mut stdout = browser.child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut dom = String::new();
        let _ = stdout.read_to_string(&mut dom);
        dom
    });

    let deadline = Instant::now() + BROWSER_TIMEOUT;
    while browser.child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "chromium ran longer than {}s",
            BROWSER_TIMEOUT.as_secs()
        );
        thread::sleep(Duration::from_millis(100));
    }
    drop(browser);
    reader.join().unwrap()
}

/// The text inside the element with `id`, as Chromium serialises it.
fn element_text(dom: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let after_id = &dom[dom.find(&marker)? + marker.len()..];
    let content = &after_id[after_id.find('>')? + 1..];
    let text = &content[..content.find('<')?];
    Some(text.trim().to_owned())
}

#[test]
fn element_text_reads_serialised_outputs() {
    let dom = r#"<p><output id="login-status">200</output> <output id="page-title"></output></p>"#;

    assert_eq!(element_text(dom, "login-status").as_deref(), Some("200"));
    assert_eq!(element_text(dom, "page-title").as_deref(), Some(""));
    assert_eq!(element_text(dom, "missing"), None);
}
