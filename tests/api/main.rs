//! API integration tests: the router called in process on a temp copy of
//! `tests/fixtures/site`. One module per area of the API.

mod auth;
mod blueprints;
mod challenges;
mod common;
mod content_languages;
mod files;
mod languages;
mod limits;
mod locks;
mod media;
mod pages;
mod read;
mod roundtrip;
mod select;
#[path = "../support/smtp.rs"]
mod smtp;
mod store;
mod trials;
mod users;
mod validation;
mod write_gaps;
