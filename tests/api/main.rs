//! API integration tests: the router called in process on a temp copy of
//! `tests/fixtures/site`. One module per area of the API.

mod common;
mod languages;
mod locks;
mod read;
