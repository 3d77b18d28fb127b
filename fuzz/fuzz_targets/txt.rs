//! Content files (`.txt`): any bytes parse without panicking, and what was
//! parsed survives a write and a second read, except where Kirby's format is
//! lossy by design (keys are re-slugged, `\----` line starts are unescaped).
#![no_main]

use libfuzzer_sys::fuzz_target;

use folio::format::txt::{self, normalise_key, storage_key};

fuzz_target!(|data: &[u8]| {
    let Ok(fields) = txt::parse_bytes(data) else {
        return;
    };
    let reread = txt::parse(&fields.to_text());
    assert!(reread.len() <= fields.len(), "a write invented fields");

    // The key a field is read back under, and the last value written to it.
    let mut expected: Vec<(String, &str)> = Vec::new();
    for (key, value) in fields.iter() {
        let key = normalise_key(&storage_key(key));
        if key.is_empty() {
            continue;
        }
        match expected.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => expected.push((key, value)),
        }
    }
    assert_eq!(reread.len(), expected.len(), "fields lost in a write");
    for (key, value) in expected {
        let lossy = value.split('\n').any(|line| line.starts_with("\\----"));
        if !lossy {
            assert_eq!(reread.get(&key), Some(value), "field {key:?} changed");
        }
    }
});
