//! The config reader: whatever a `config.php` parses to, building the typed
//! `Config` from it succeeds or reports an error.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

use folio::config;
use folio::format::php;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = php::parse_return_file(source) {
        let _ = config::from_value(&value, Path::new("site/config/config.php"));
    }
});
