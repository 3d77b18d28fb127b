//! Checks against the conformance fixture: load its blueprints, render the
//! stored content of several models, and compare with what Kirby answered
//! in the recorded cases. Both the fixture and the recordings are read at
//! test time from the shared conformance folder (never copied into the
//! repo); when that folder is missing the tests print a notice and pass.

use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

use super::items::{FileFacts, Owner};
use super::values::tests::FakeSite;
use super::{Blueprints, OptionRule, form_values};

/// Where the suite lives; `FOLIO_CONFORMANCE_DIR` overrides it.
fn conformance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("FOLIO_CONFORMANCE_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
        PathBuf::from,
    );
    if dir.join("site/site/blueprints").is_dir() && dir.join("cases").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: conformance fixture not found at `{}`, skipping",
            dir.display()
        );
        None
    }
}

/// A minimal reader of Kirby's `Key: value` format (storage.md §3.2), enough for the fixture.
fn read_txt(path: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let separator = Regex::new(r"\n----\s*\n*").expect("valid regex");
    let mut fields: Vec<(String, String)> = Vec::new();
    for chunk in separator.split(&text) {
        let Some((key, value)) = chunk.split_once(':') else {
            continue;
        };
        let key = key.trim().to_lowercase().replace(['-', ' '], "_");
        let value = value.trim().replace("\n\\----", "\n----");
        if !key.is_empty() {
            fields.retain(|(known, _)| *known != key);
            fields.push((key, value));
        }
    }
    fields
}

/// Page id of a content folder: sorting numbers and `_drafts` dropped.
fn page_id(content: &Path, dir: &Path) -> String {
    let relative = dir.strip_prefix(content).unwrap_or(dir);
    let slugs = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .filter(|s| *s != "_drafts");
    let slugs = slugs.map(|name| match name.split_once('_') {
        Some((num, slug)) if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => slug,
        _ => name,
    });
    slugs.collect::<Vec<_>>().join("/")
}

/// Every file of every page, with URLs already in the suite's normalised form.
fn collect_files(content: &Path, dir: &Path, out: &mut Vec<FileFacts>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_files(content, &path, out);
            continue;
        }
        let Some(filename) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let meta = path.with_file_name(format!("{filename}.txt"));
        if filename.ends_with(".txt") || !meta.exists() {
            continue;
        }
        let id = page_id(content, dir);
        let uuid = read_txt(&meta)
            .into_iter()
            .find(|(k, _)| k == "uuid")
            .map(|(_, v)| format!("file://{v}"));
        out.push(FileFacts {
            id: format!("{id}/{filename}"),
            url: format!("{{origin}}/media/pages/{id}/<hash>/{filename}"),
            owner: Owner::Page(id),
            uuid,
            kind: "image".into(),
            extension: filename
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_lowercase(),
            filename,
            dimensions: Some((4, 3)),
        });
    }
}

struct Fixture {
    dir: PathBuf,
    blueprints: Blueprints,
    files: Vec<FileFacts>,
}

impl Fixture {
    fn open() -> Option<Fixture> {
        let dir = conformance_dir()?;
        let (blueprints, errors) = Blueprints::load(&dir.join("site/site/blueprints"));
        assert!(errors.is_empty(), "{errors:?}");
        let content = dir.join("site/content");
        let mut files = Vec::new();
        collect_files(&content, &content, &mut files);
        Some(Fixture {
            dir,
            blueprints,
            files,
        })
    }

    fn site_for(&self, model: Owner) -> FakeSite {
        let mut site = FakeSite::new(model);
        site.files = self.files.clone();
        site
    }

    fn stored(&self, relative: &str) -> Vec<(String, String)> {
        read_txt(&self.dir.join("site").join(relative))
    }

    /// The JSON at `pointer` in the answer of the first step with this method and path.
    fn recorded(&self, case: &str, method: &str, path: &str, pointer: &str) -> (Value, Value) {
        let text = fs::read_to_string(self.dir.join("cases").join(case)).unwrap_or_default();
        let case: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let steps = case["steps"].as_array().cloned().unwrap_or_default();
        let step = steps
            .into_iter()
            .find(|s| s["request"]["method"] == method && s["request"]["path"] == path)
            .unwrap_or_else(|| panic!("no step {method} {path}"));
        let found = step["expect"]["body"].pointer(pointer).cloned();
        (
            found.unwrap_or_else(|| panic!("nothing at {pointer}")),
            step["request"].clone(),
        )
    }
}

fn page(id: &str) -> Owner {
    Owner::Page(id.to_string())
}

#[test]
fn fixture_blueprints_load_with_their_settings() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    let bps = &fixture.blueprints;
    let note = bps.page("note");
    let names: Vec<&str> = note.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["text", "cover", "date", "author", "tags"]);
    assert_eq!(note.field("cover").map(|f| f.kind.as_str()), Some("files"));
    let about = bps.page("about");
    assert_eq!(about.status, ["draft", "listed"]);
    assert_eq!(about.options.option("delete"), OptionRule::Allow(false));
    assert_eq!(
        bps.page("error").options.decide("read", "admin"),
        Some(false)
    );
    assert_eq!(bps.page("sandbox").title, "Simple Page");
    assert_eq!(bps.file(Some("blocks/image")).fields.len(), 5);
    let roles: Vec<&str> = bps.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(roles, ["admin", "client", "editor"]);
    let notes_sections: Vec<&str> = bps
        .page("notes")
        .sections
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(notes_sections, ["drafts", "unlisted", "listed"]);
    assert_eq!(bps.page("notes").child_templates(Some("drafts")), ["note"]);
    let site_choices: Vec<String> = bps
        .all_section_choices(bps.site())
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(site_choices, ["album", "note", "default"]);
}

#[test]
fn note_content_matches_the_recording() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    let (expected, _) = fixture.recorded(
        "read-page-plus-ids.json",
        "GET",
        "/api/pages/notes+across-the-ocean",
        "/data/content",
    );
    let stored = fixture.stored("content/2_notes/20230421_across-the-ocean/note.txt");
    let site = fixture.site_for(page("notes/across-the-ocean"));
    assert_eq!(
        form_values(fixture.blueprints.page("note"), &stored, &site),
        expected
    );
}

#[test]
fn photography_content_matches_the_recording() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    let path = "/api/pages/photography+trees?select=id,slug,title,status,num,template,parent";
    let (expected, _) = fixture.recorded(
        "read-page-plus-ids.json",
        "GET",
        path,
        "/data/parent/content",
    );
    let stored = fixture.stored("content/1_photography/photography.txt");
    let site = fixture.site_for(page("photography"));
    assert_eq!(
        form_values(fixture.blueprints.page("photography"), &stored, &site),
        expected
    );
}

#[test]
fn album_cover_matches_the_recording() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    let path = "/api/pages/photography+trees/status";
    let (expected, _) =
        fixture.recorded("pages-sort-position.json", "PATCH", path, "/data/content");
    let stored = fixture.stored("content/1_photography/1_trees/album.txt");
    let site = fixture.site_for(page("photography/trees"));
    assert_eq!(
        form_values(fixture.blueprints.page("album"), &stored, &site),
        expected
    );
}

#[test]
fn about_layout_and_structure_match_the_recording() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    let (expected, request) = fixture.recorded(
        "pages-update-fields.json",
        "PATCH",
        "/api/pages/about",
        "/data/content",
    );
    let mut stored = fixture.stored("content/3_about/about.txt");
    // The recorded answer follows a PATCH of these fields; apply it to the stored copy.
    for (key, value) in request["json"].as_object().into_iter().flatten() {
        let value = value.as_str().unwrap_or_default().to_string();
        stored
            .iter_mut()
            .filter(|(k, _)| k == key)
            .for_each(|(_, v)| *v = value.clone());
    }
    let site = fixture.site_for(page("about"));
    assert_eq!(
        form_values(fixture.blueprints.page("about"), &stored, &site),
        expected
    );
}

#[test]
fn file_contents_match_the_recordings() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    for (index, name) in ["table.jpg", "team.jpg", "writing.jpg"].iter().enumerate() {
        let pointer = format!("/data/{index}/content");
        let (expected, _) =
            fixture.recorded("read-files.json", "GET", "/api/pages/about/files", &pointer);
        let stored = fixture.stored(&format!("content/3_about/{name}.txt"));
        let bp = fixture.blueprints.file(Some("blocks/image"));
        assert_eq!(
            form_values(bp, &stored, &fixture.site_for(page("about"))),
            expected,
            "{name}"
        );
    }
    let path = "/api/pages/photography+trees/files/cheesy-autumn.jpg?select=filename,content";
    let (expected, _) = fixture.recorded("files-lang-meta.json", "GET", path, "/data/content");
    let stored = fixture.stored("content/1_photography/1_trees/cheesy-autumn.jpg.txt");
    let site = fixture.site_for(page("photography/trees"));
    assert_eq!(
        form_values(fixture.blueprints.file(Some("image")), &stored, &site),
        expected
    );
}

#[test]
fn home_site_and_user_contents_match_the_recordings() {
    let Some(fixture) = Fixture::open() else {
        return;
    };
    let path = "/api/pages/home?language=fr&select=title,content";
    let (expected, _) = fixture.recorded(
        "lang-create-update-delete.json",
        "GET",
        path,
        "/data/content",
    );
    let stored = fixture.stored("content/home/home.txt");
    assert_eq!(
        form_values(
            fixture.blueprints.page("home"),
            &stored,
            &fixture.site_for(page("home"))
        ),
        expected
    );

    let (expected, _) = fixture.recorded("read-site.json", "GET", "/api/site", "/data/content");
    let stored = fixture.stored("content/site.txt");
    assert_eq!(
        form_values(
            fixture.blueprints.site(),
            &stored,
            &fixture.site_for(Owner::Site)
        ),
        expected
    );

    let (expected, _) = fixture.recorded(
        "read-users.json",
        "GET",
        "/api/users/{{editor_id}}",
        "/data/content",
    );
    let stored = fixture.stored("accounts/AvMhEtBi/user.txt");
    let site = fixture.site_for(Owner::User("AvMhEtBi".into()));
    assert_eq!(
        form_values(fixture.blueprints.user("editor"), &stored, &site),
        expected
    );
}
