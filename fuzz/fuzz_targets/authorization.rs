//! The `Authorization` header: any value is classified without a panic, and
//! decoded Basic credentials encode back to a header that decodes the same.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;

use folio::auth::{AuthHeader, parse_authorization};

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let AuthHeader::Basic { email, password } = parse_authorization(header) {
        let again = format!("Basic {}", STANDARD.encode(format!("{email}:{password}")));
        assert!(
            parse_authorization(&again) == AuthHeader::Basic { email, password },
            "Basic credentials did not survive a round trip"
        );
    }
});
