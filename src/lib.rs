//! Folio serves a Kirby 4 site folder and answers Kirby's REST API.
//!
//! The crate follows the flow of one request: `api` routes and shapes JSON,
//! `auth` decides who is asking, `perm` decides what they may do, `store`
//! owns the site folder, and `format` reads and writes Kirby's file formats.

pub mod api;
pub mod app;
pub mod auth;
pub mod blueprint;
pub mod config;
pub mod format;
pub mod i18n;
pub mod mail;
pub mod perm;
pub mod serve;
pub mod store;
pub mod web;
