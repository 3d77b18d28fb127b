//! API integration tests: the router called in process on a temp copy of
//! `tests/fixtures/site`. One module per area of the API.

mod auth;
mod blueprints;
mod common;
mod content_languages;
mod files;
mod languages;
mod locks;
mod pages;
mod read;
mod roundtrip;
mod store;
mod trials;
mod users;
mod validation;
