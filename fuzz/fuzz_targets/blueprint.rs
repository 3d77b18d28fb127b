//! Blueprint loading: YAML files that extend and reference each other. The
//! input is split at NUL bytes into several files of one site, so `extends`
//! and field/section references between them get exercised; loading reports
//! broken files and never panics, also on cycles and deep nesting.
#![no_main]

mod common;

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

use common::run_dir;
use folio::blueprint::Blueprints;

/// Where the pieces of one input go, in order.
const FILES: &[&str] = &[
    "pages/default.yml",
    "pages/project.yml",
    "fields/shared.yml",
    "sections/list.yml",
    "tabs/main.yml",
    "site.yml",
    "users/editor.yml",
    "files/image.yml",
];

fn write_site(data: &[u8]) -> PathBuf {
    let dir = run_dir().join("blueprints");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, content) in FILES.iter().zip(data.split(|&b| b == 0)) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a blueprint folder");
        }
        std::fs::write(&path, content).expect("a blueprint file");
    }
    dir
}

fuzz_target!(|data: &[u8]| {
    let dir = write_site(data);
    let (blueprints, _errors) = Blueprints::load(&dir);
    // Touch what the API renders from a loaded set, so lazy work runs too.
    for template in blueprints.page_templates() {
        let blueprint = blueprints.page(template);
        let _ = blueprints.tabs(blueprint);
        let _ = blueprints.all_section_choices(blueprint);
        let _ = blueprints.page_template_choices(blueprint, template);
    }
    let _ = blueprints.tabs(blueprints.site());
    let _ = blueprints.roles();
});
