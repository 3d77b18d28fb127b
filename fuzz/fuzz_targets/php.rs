//! PHP array files (`config.php`, `site/languages/*.php`, account `index.php`):
//! any text is read or refused with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

use folio::format::php;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        let _ = php::parse_return_file(source);
    }
});
