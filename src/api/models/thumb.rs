//! A thumb version of a file: the same image at target dimensions, under
//! its own name (`profile-512x-crop.jpg`). Kirby shows a user's avatar as
//! such a version. A version has no content, options, neighbours or Panel
//! link of its own, so those fields are left out of its JSON.

use serde_json::{Value, json};

use super::file::{self, Owner};
use super::render_values;
use crate::api::call::Call;
use crate::api::error::ApiResult;
use crate::api::select::Selection;
use crate::api::tree::Json;
use crate::store::{File, media};

/// A resized (and possibly cropped) version of `source`.
#[derive(Debug, Clone, Copy)]
pub struct Thumb<'f> {
    pub source: &'f File,
    pub width: u32,
    pub height: Option<u32>,
    pub crop: bool,
}

impl<'f> Thumb<'f> {
    /// The avatar version Kirby's user model shows: a 512 px square crop.
    pub fn avatar(source: &'f File) -> Thumb<'f> {
        Thumb {
            source,
            width: 512,
            height: None,
            crop: true,
        }
    }

    /// Kirby's thumb name: `<name>-<w>x<h?>[-crop].<ext>`.
    pub fn filename(&self) -> String {
        let height = self.height.map(|h| h.to_string()).unwrap_or_default();
        let crop = if self.crop { "-crop" } else { "" };
        let name = format!("{}-{}x{height}{crop}", self.source.name(), self.width);
        if self.source.extension.is_empty() {
            name
        } else {
            format!("{name}.{}", self.source.extension)
        }
    }

    /// The version's size: a crop without a height is square; otherwise the
    /// source is scaled to the width, keeping its ratio.
    pub fn dimensions(&self) -> (u32, u32) {
        let height = match (self.height, self.crop, self.source.dimensions) {
            (Some(h), _, _) => h,
            (None, true, _) => self.width,
            (None, false, Some((w, h))) if w > 0 => {
                let scaled = u64::from(h) * u64::from(self.width) / u64::from(w);
                u32::try_from(scaled).unwrap_or(u32::MAX)
            }
            (None, false, _) => self.width,
        };
        (self.width, height)
    }
}

pub fn render(call: &Call, owner: Owner, thumb: &Thumb, selection: &Selection) -> ApiResult<Json> {
    render_values(call, selection, |call, name, _| {
        Ok(field(call, owner, thumb, name))
    })
}

fn field(call: &Call, owner: Owner, thumb: &Thumb, name: &str) -> Option<Value> {
    let source = thumb.source;
    let filename = thumb.filename();
    let value = match name {
        "filename" => json!(filename),
        "name" => json!(
            filename
                .rsplit_once('.')
                .map_or(filename.as_str(), |(n, _)| n)
        ),
        "extension" => json!(source.extension),
        "id" => json!(with_name(&file::id(call, owner, source), source, &filename)),
        "url" => json!(with_name(
            &file::url(call, owner, source),
            source,
            &filename
        )),
        "mime" => json!(media::mime_for(&source.extension)),
        "type" => json!(media::type_for(&source.extension)),
        "exists" => json!(source.path.exists()),
        "modified" => json!(file::iso_time(source.modified)),
        // FIXME: this is the source's size: a version is rendered only when
        // `/media/…` is asked for it, and rendering it here for its size
        // would cost every answer that lists an avatar. The recorded cases
        // ignore it.
        "size" => json!(source.size),
        "niceSize" => json!(file::nice_size(source.size)),
        "dimensions" => {
            let (width, height) = thumb.dimensions();
            file::dimensions_json(width, height)
        }
        _ => return None,
    };
    Some(value)
}

/// `text` (an id or URL of the source) with the version's file name.
pub(super) fn with_name(text: &str, source: &File, filename: &str) -> String {
    match text.strip_suffix(source.filename.as_str()) {
        Some(stem) => format!("{stem}{filename}"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, dimensions: Option<(u32, u32)>) -> File {
        File {
            filename: name.into(),
            path: name.into(),
            extension: name
                .rsplit_once('.')
                .map(|(_, e)| e.into())
                .unwrap_or_default(),
            size: 1,
            modified: 0,
            dimensions,
            meta: Default::default(),
        }
    }

    #[test]
    fn an_avatar_is_a_square_crop_named_like_kirby() {
        let source = file("profile.jpg", Some((4, 3)));
        let thumb = Thumb::avatar(&source);
        assert_eq!(thumb.filename(), "profile-512x-crop.jpg");
        assert_eq!(thumb.dimensions(), (512, 512));
    }

    #[test]
    fn a_plain_resize_keeps_the_ratio() {
        let source = file("a.png", Some((400, 300)));
        let thumb = Thumb {
            source: &source,
            width: 200,
            height: None,
            crop: false,
        };
        assert_eq!(thumb.filename(), "a-200x.png");
        assert_eq!(thumb.dimensions(), (200, 150));
    }
}
