//! Kirby's transliteration table: which letters become which ASCII text in
//! slugs and file names, and what the Panel receives as `ascii` in
//! `/api/system` to slug titles as the server would.
//!
//! The table is data Kirby publishes through its API; Folio carries the same
//! entries so that slugs made by Folio, by the Panel and by Kirby agree. A
//! letter without an entry is not transliterated (slugs turn it into `-`).

use serde_json::{Map, Value};

/// `(alternatives separated by `|`, replacement)`, in Kirby's order.
const TABLE: &[(&str, &str)] = &[
    ("°|₀", "0"),
    ("¹|₁", "1"),
    ("²|₂", "2"),
    ("³|₃", "3"),
    ("⁴|₄", "4"),
    ("⁵|₅", "5"),
    ("⁶|₆", "6"),
    ("⁷|₇", "7"),
    ("⁸|₈", "8"),
    ("⁹|₉", "9"),
    ("À|Á|Â|Ã|Å|Ǻ|Ā|Ă|Ą|Ǎ|Ä|A", "A"),
    ("à|á|â|ã|å|ǻ|ā|ă|ą|ǎ|ª|æ|ǽ|ä|a|а", "a"),
    ("Б", "B"),
    ("б", "b"),
    ("Ç|Ć|Ĉ|Ċ|Č|Ц", "C"),
    ("ç|ć|ĉ|ċ|č|ц", "c"),
    ("Ð|Ď|Đ", "Dj"),
    ("ð|ď|đ", "dj"),
    ("Д", "D"),
    ("д", "d"),
    ("È|É|Ê|Ë|Ē|Ĕ|Ė|Ę|Ě|Е|Ё|Э", "E"),
    ("è|é|ê|ë|ē|ĕ|ė|ę|ě|е|ё|э", "e"),
    ("Ф", "F"),
    ("ƒ|ф", "f"),
    ("Ĝ|Ğ|Ġ|Ģ|Г", "G"),
    ("ĝ|ğ|ġ|ģ|г", "g"),
    ("Ĥ|Ħ|Х", "H"),
    ("ĥ|ħ|х", "h"),
    ("Ì|Í|Î|Ï|Ĩ|Ī|Ĭ|Ǐ|Į|İ|И", "I"),
    ("ì|í|î|ï|ĩ|ī|ĭ|ǐ|į|ı|и|i̇", "i"),
    ("Ĵ|Й", "J"),
    ("ĵ|й", "j"),
    ("Ķ|К", "K"),
    ("ķ|к", "k"),
    ("Ĺ|Ļ|Ľ|Ŀ|Ł|Л", "L"),
    ("ĺ|ļ|ľ|ŀ|ł|л", "l"),
    ("М", "M"),
    ("м", "m"),
    ("Ñ|Ń|Ņ|Ň|Н", "N"),
    ("ñ|ń|ņ|ň|ŉ|н", "n"),
    ("Ò|Ó|Ô|Õ|Ō|Ŏ|Ǒ|Ő|Ơ|Ø|Ǿ|Ö|O", "O"),
    ("ò|ó|ô|õ|ō|ŏ|ǒ|ő|ơ|ø|ǿ|º|ö|o|о", "o"),
    ("П", "P"),
    ("п", "p"),
    ("Ŕ|Ŗ|Ř|Р", "R"),
    ("ŕ|ŗ|ř|р", "r"),
    ("Ś|Ŝ|Ş|Ș|Š|С", "S"),
    ("ś|ŝ|ş|ș|š|ſ|с", "s"),
    ("Ţ|Ț|Ť|Ŧ|Т", "T"),
    ("ţ|ț|ť|ŧ|т", "t"),
    ("Ù|Ú|Û|Ũ|Ū|Ŭ|Ů|Ű|Ų|Ư|Ǔ|Ǖ|Ǘ|Ǚ|Ǜ|У|Ü|U", "U"),
    ("ù|ú|û|ũ|ū|ŭ|ů|ű|ų|ư|ǔ|ǖ|ǘ|ǚ|ǜ|у|ü|u", "u"),
    ("В", "V"),
    ("в", "v"),
    ("Ý|Ÿ|Ŷ|Ы", "Y"),
    ("ý|ÿ|ŷ|ы", "y"),
    ("Ŵ", "W"),
    ("ŵ", "w"),
    ("Ź|Ż|Ž|З", "Z"),
    ("ź|ż|ž|з", "z"),
    ("Æ|Ǽ", "AE"),
    ("ß", "ss"),
    ("Ĳ", "IJ"),
    ("ĳ", "ij"),
    ("Œ", "OE"),
    ("Ч", "Ch"),
    ("ч", "ch"),
    ("Ю", "Ju"),
    ("ю", "ju"),
    ("Я", "Ja"),
    ("я", "ja"),
    ("Ш", "Sh"),
    ("ш", "sh"),
    ("Щ", "Shch"),
    ("щ", "shch"),
    ("Ж", "Zh"),
    ("ж", "zh"),
];

/// The replacement for one character, if the table has one.
pub fn transliterate(ch: char) -> Option<&'static str> {
    if ch.is_ascii() {
        return None;
    }
    let mut buffer = [0u8; 4];
    let text: &str = ch.encode_utf8(&mut buffer);
    TABLE
        .iter()
        .find(|(alternatives, _)| alternatives.split('|').any(|a| a == text))
        .map(|(_, to)| *to)
}

/// `text` with every character the table knows replaced.
pub fn to_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match transliterate(ch) {
            Some(ascii) => out.push_str(ascii),
            None => out.push(ch),
        }
    }
    out
}

/// The table as `/api/system` sends it: `"/a|b/": "x"`.
pub fn table_json() -> Value {
    let map: Map<String, Value> = TABLE
        .iter()
        .map(|(alternatives, to)| (format!("/{alternatives}/"), Value::String((*to).to_owned())))
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_latin_and_cyrillic_letters() {
        assert_eq!(to_ascii("Über Grüße"), "Uber Grusse");
        assert_eq!(transliterate('ж'), Some("zh"));
        assert_eq!(transliterate('x'), None);
    }

    #[test]
    fn every_entry_has_alternatives_and_a_replacement() {
        assert!(
            TABLE
                .iter()
                .all(|(alternatives, to)| !alternatives.is_empty() && !to.is_empty())
        );
        assert_eq!(table_json().as_object().map(Map::len), Some(TABLE.len()));
    }
}
