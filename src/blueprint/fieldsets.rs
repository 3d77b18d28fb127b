//! Kirby's own block types, for `blocks` and `layout` fields.
//!
//! A block's `content` is shown through its block type's form, so Folio must
//! know which fields each core block type has, in which order and of which
//! type (a `toggle` turns `"true"` into `true`, a `files` field turns uuids
//! into Panel items). Only names, types and the props that change a value are
//! listed here; labels and other Panel-only props are left out. A site can
//! replace any of them with its own `site/blueprints/blocks/<type>.yml`.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use super::load::parse_yaml;

/// Block types a `blocks` field offers when it sets no `fieldsets`.
pub(crate) const DEFAULT_TYPES: [&str; 10] = [
    "heading", "text", "list", "image", "gallery", "video", "code", "markdown", "quote", "line",
];

/// The core block forms, written as blueprint YAML.
// FIXME: the `video` and `gallery` forms are from memory of Kirby 4, not from a recording.
const CORE_FIELDSETS: &str = r#"
code:
  fields:
    code: { type: textarea }
    language: { type: select, default: text }
gallery:
  fields:
    images: { type: files, multiple: true, layout: cards, image: { ratio: 1/1 }, uploads: { template: blocks/image } }
    caption: { type: writer, inline: true }
    ratio: { type: select }
    crop: { type: toggle }
heading:
  fields:
    level: { type: toggles, default: h2 }
    text: { type: writer, inline: true }
image:
  fields:
    location: { type: radio, default: kirby }
    image: { type: files, multiple: false, image: { back: black }, uploads: { template: blocks/image } }
    src: { type: url }
    alt: { type: text }
    caption: { type: writer, inline: true }
    link: { type: text }
    ratio: { type: select }
    crop: { type: toggle }
line:
  fields: {}
list:
  fields:
    text: { type: list }
markdown:
  fields:
    text: { type: textarea }
quote:
  fields:
    text: { type: writer, inline: true }
    citation: { type: writer, inline: true }
text:
  fields:
    text: { type: writer }
video:
  fields:
    url: { type: url }
    caption: { type: writer, inline: true }
"#;

/// The props of one core block type, or `None` for a type Kirby does not ship.
pub(crate) fn core(kind: &str) -> Option<Value> {
    static PARSED: OnceLock<Value> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        parse_yaml(CORE_FIELDSETS, Path::new("core fieldsets")).unwrap_or(Value::Null)
    });
    all.get(kind).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_type_has_a_core_form() {
        for kind in DEFAULT_TYPES {
            assert!(
                core(kind).is_some_and(|props| props.get("fields").is_some()),
                "{kind}"
            );
        }
        assert!(core("nope").is_none());
    }
}
