//! Kirby's own file formats, read and written byte for byte.
//!
//! Kirby keeps content in `Key: value` text files and its accounts, languages
//! and configuration in PHP files that `return` an array. Folio must read what
//! Kirby wrote and write what Kirby would read back unchanged, so each format
//! lives here as a pure text-in, value-out module with no file system access:
//! `txt` for content files, `php` for the PHP array subset, `slug` for the
//! slug rule both of them (and page slugs) rely on.

pub mod ascii;
pub mod email;
pub mod php;
pub mod slug;
pub mod txt;
