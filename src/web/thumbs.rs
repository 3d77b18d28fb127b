//! Resized versions of images, made on request: the files behind the
//! `thumbs` URLs of the file model (`<name>-512x.jpg`) and the avatar
//! (`profile-512x-crop.png`).
//!
//! Kirby renders a version when its URL is first requested and keeps it in
//! the `media` folder. Folio renders it the same way but keeps it in memory
//! (a bounded cache keyed by the source's path, modification time and the
//! version's options), since a read must never write to the site folder.
//! Rendering is CPU work, so it runs in one lane, like password hashing:
//! a flood of thumbnail requests cannot take every core from the API.
//!
//! Understood options, in Kirby's file name syntax: `<w>x<h>` (either may
//! be empty), `-crop` (centred; `-crop-<position>` is taken as centred),
//! `-bw` (grayscale), `-blur<n>` and `-q<n>` (JPEG quality, default 90).
//! Images are never upscaled, as in Kirby's default.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use parking_lot::Mutex;

use crate::store::File;

/// Extensions Folio can resize (Kirby's resizable types it can also encode).
pub const RESIZABLE: &[&str] = &["jpg", "jpeg", "png", "gif", "webp"];

/// Largest source image Folio decodes: width or height in pixels, and the
/// bytes the decoder may allocate. A bigger image (or a decompression
/// bomb that claims to be one) gets no thumbnail.
const MAX_SOURCE_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Largest target side; Kirby's own largest preset is 1024 px.
const MAX_TARGET_SIDE: u32 = 4_000;

/// Bytes of rendered versions kept in memory; past this the cache starts over.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Kirby's default JPEG quality for thumbs.
const DEFAULT_QUALITY: u8 = 90;

/// The one lane versions are rendered in.
static RENDERING: Mutex<()> = Mutex::new(());

/// What a version name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub crop: bool,
    pub grayscale: bool,
    pub blur: Option<u32>,
    pub quality: u8,
}

/// Splits a version's file name into its source's name and options:
/// `fog-38x38-crop.jpg` → (`fog`, 38×38 cropped), given the source names
/// to choose from. The longest matching source name wins, so `a-b.jpg` and
/// `a.jpg` side by side stay apart.
pub fn parse<'f>(filename: &str, sources: &'f [File]) -> Option<(&'f File, Options)> {
    let (stem, extension) = filename.rsplit_once('.')?;
    sources
        .iter()
        .filter(|file| file.extension.eq_ignore_ascii_case(extension))
        .filter(|file| super::is_resizable(&file.extension))
        .filter_map(|file| {
            let attributes = stem.strip_prefix(file.name())?.strip_prefix('-')?;
            Some((file, parse_options(attributes)?))
        })
        .max_by_key(|(file, _)| file.name().len())
}

/// `38x38-crop-bw-q80`; `None` unless every part is understood and there
/// is a size.
fn parse_options(attributes: &str) -> Option<Options> {
    let mut parts = attributes.split('-').peekable();
    let (width, height) = parts.next()?.split_once('x')?;
    let side = |text: &str| -> Option<Option<u32>> {
        if text.is_empty() {
            return Some(None);
        }
        let value: u32 = text.parse().ok()?;
        (1..=MAX_TARGET_SIDE)
            .contains(&value)
            .then_some(Some(value))
    };
    let mut options = Options {
        width: side(width)?,
        height: side(height)?,
        crop: false,
        grayscale: false,
        blur: None,
        quality: DEFAULT_QUALITY,
    };
    if options.width.is_none() && options.height.is_none() {
        return None;
    }
    while let Some(part) = parts.next() {
        match part {
            "crop" => {
                options.crop = true;
                // A position (`top-left`, `center` …) follows; only the
                // centre is built, which Kirby also uses by default.
                while parts.peek().is_some_and(|next| is_position(next)) {
                    parts.next();
                }
            }
            "bw" => options.grayscale = true,
            _ if part.starts_with("blur") => {
                options.blur = Some(part.get(4..)?.parse().ok().filter(|n| *n <= 100)?);
            }
            _ if part.starts_with('q') => {
                options.quality = part
                    .get(1..)?
                    .parse()
                    .ok()
                    .filter(|q| (1..=100).contains(q))?;
            }
            _ => return None,
        }
    }
    Some(options)
}

fn is_position(word: &str) -> bool {
    matches!(word, "top" | "bottom" | "left" | "right" | "center")
}

/// Rendered versions, keyed by source path, modification time and options.
#[derive(Debug, Default)]
pub struct ThumbCache {
    held: Mutex<Held>,
}

/// The cached versions and their total size.
#[derive(Debug, Default)]
struct Held {
    entries: HashMap<(PathBuf, i64, Options), Bytes>,
    bytes: usize,
}

impl ThumbCache {
    /// The version's bytes, rendered now or taken from the cache; `None`
    /// when the source cannot be decoded or is too large.
    pub fn get(&self, source: &File, options: Options) -> Option<Bytes> {
        let key = (source.path.clone(), source.modified, options);
        if let Some(bytes) = self.held.lock().entries.get(&key) {
            return Some(bytes.clone());
        }
        let _lane = RENDERING.lock();
        // Requests for one version wait in the lane together; the first
        // renders it, the others find it here.
        if let Some(bytes) = self.held.lock().entries.get(&key) {
            return Some(bytes.clone());
        }
        let bytes = Bytes::from(render(&source.path, &source.extension, options)?);
        let mut held = self.held.lock();
        if held.bytes + bytes.len() > CACHE_BYTES {
            *held = Held::default();
        }
        held.bytes += bytes.len();
        held.entries.insert(key, bytes.clone());
        Some(bytes)
    }
}

/// Decodes, resizes and encodes one version in the source's own format.
fn render(path: &Path, extension: &str, options: Options) -> Option<Vec<u8>> {
    let format = ImageFormat::from_extension(extension)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::open(path).ok()?;
    reader.set_format(format);
    reader.limits(limits);
    let source = reader.decode().ok()?;
    let mut version = resize(source, options);
    if options.grayscale {
        version = DynamicImage::ImageLuma8(version.to_luma8());
    }
    if let Some(sigma) = options.blur.filter(|sigma| *sigma > 0) {
        version = version.blur(sigma as f32);
    }
    encode(&version, format, options.quality)
}

/// The target box without upscaling: a crop fills it exactly (a missing
/// side copies the other), a plain resize fits inside it.
fn resize(source: DynamicImage, options: Options) -> DynamicImage {
    let (width, height) = (source.width(), source.height());
    if options.crop {
        let target_w = options.width.or(options.height).unwrap_or(width);
        let target_h = options.height.or(options.width).unwrap_or(height);
        // Never upscale: shrink the box, keeping its ratio, to fit the source.
        let scale = f64::min(
            1.0,
            f64::min(
                f64::from(width) / f64::from(target_w),
                f64::from(height) / f64::from(target_h),
            ),
        );
        let box_w = ((f64::from(target_w) * scale).round() as u32).max(1);
        let box_h = ((f64::from(target_h) * scale).round() as u32).max(1);
        return source.resize_to_fill(box_w, box_h, FilterType::Lanczos3);
    }
    let box_w = options.width.unwrap_or(u32::MAX).min(width);
    let box_h = options.height.unwrap_or(u32::MAX).min(height);
    if box_w >= width && box_h >= height {
        return source;
    }
    source.resize(box_w, box_h, FilterType::Lanczos3)
}

fn encode(version: &DynamicImage, format: ImageFormat, quality: u8) -> Option<Vec<u8>> {
    let mut bytes = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            let rgb = version.to_rgb8();
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
            rgb.write_with_encoder(encoder).ok()?;
        }
        // The WebP encoder only writes lossless images; quality does not apply.
        other => version.write_to(&mut bytes, other).ok()?,
    }
    Some(bytes.into_inner())
}

#[cfg(test)]
mod tests;
