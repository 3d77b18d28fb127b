//! How Kirby combines config files and finds an option in them: files merged
//! with PHP's `array_replace_recursive`, options looked up by dotted name with
//! the rules of Kirby's `A::get` (an exact dotted key first, then nesting, and
//! `null` counts as unset).

use std::path::{Path, PathBuf};

use crate::format::php::{PhpArray, PhpKey, PhpValue};

/// One config file, parsed.
pub(super) struct Layer {
    pub(super) value: PhpValue,
    pub(super) file: PathBuf,
}

/// Merges `over` into `base` like `array_replace_recursive`: where both sides
/// hold arrays under a key they merge, otherwise `over` wins. Lists merge by
/// index, so `['a', 'b']` under `['c']` gives `['c', 'b']`, as in PHP.
pub(super) fn replace_recursive(base: &mut PhpValue, over: &PhpValue) {
    let (PhpValue::Array(base_array), PhpValue::Array(over_array)) = (&mut *base, over) else {
        *base = over.clone();
        return;
    };
    for (key, value) in &over_array.0 {
        match base_array.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => replace_recursive(slot, value),
            None => base_array.0.push((key.clone(), value.clone())),
        }
    }
}

/// The value of option `path` (`api.basicAuth`), `None` when unset or `null`.
pub(super) fn lookup<'a>(array: &'a PhpArray, path: &str) -> Option<&'a PhpValue> {
    if let Some(value) = set(array, path) {
        return Some(value);
    }
    let segments: Vec<&str> = path.split('.').collect();
    let (first, rest) = segments.split_first()?;
    if rest.is_empty() {
        return None;
    }
    match set(array, first) {
        Some(PhpValue::Array(inner)) => lookup(inner, &rest.join(".")),
        Some(_) => None,
        // `'api.routes' => [...]` style: a longer dotted key holding the rest.
        None => (2..segments.len()).find_map(|split| {
            let (head, tail) = segments.split_at(split);
            match set(array, &head.join(".")) {
                Some(PhpValue::Array(inner)) => lookup(inner, &tail.join(".")),
                _ => None,
            }
        }),
    }
}

/// A key that is present and not `null` (PHP's `isset`).
fn set<'a>(array: &'a PhpArray, key: &str) -> Option<&'a PhpValue> {
    array.get(key).filter(|value| **value != PhpValue::Null)
}

/// The file an option's value comes from: the last layer that sets it.
pub(super) fn source_of<'a>(layers: &'a [Layer], path: &str) -> &'a Path {
    let defining = layers.iter().rev().find(|layer| {
        layer
            .value
            .as_array()
            .is_some_and(|array| lookup(array, path).is_some())
    });
    file_or_first(layers, defining)
}

/// The file a value at an exact key path comes from (for `Dynamic` values,
/// which keep their own line but not their file).
pub(super) fn source_of_keys<'a>(layers: &'a [Layer], keys: &[PhpKey]) -> &'a Path {
    let defining = layers
        .iter()
        .rev()
        .find(|layer| at_keys(&layer.value, keys).is_some());
    file_or_first(layers, defining)
}

fn file_or_first<'a>(layers: &'a [Layer], layer: Option<&'a Layer>) -> &'a Path {
    layer
        .or(layers.first())
        .map_or(Path::new("site/config/config.php"), |l| l.file.as_path())
}

fn at_keys<'a>(value: &'a PhpValue, keys: &[PhpKey]) -> Option<&'a PhpValue> {
    let Some((first, rest)) = keys.split_first() else {
        return Some(value);
    };
    let array = value.as_array()?;
    let (_, inner) = array.0.iter().find(|(k, _)| k == first)?;
    at_keys(inner, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::php::parse_return_file;

    fn array(src: &str) -> PhpArray {
        match parse_return_file(&format!("<?php return {src};")) {
            Ok(PhpValue::Array(array)) => array,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lookup_follows_kirbys_dot_rules() {
        let config = array("['api' => ['basicAuth' => true], 'a.b' => ['c' => 1], 'x' => null]");
        assert_eq!(
            lookup(&config, "api.basicAuth"),
            Some(&PhpValue::Bool(true))
        );
        assert_eq!(lookup(&config, "a.b.c"), Some(&PhpValue::Int(1)));
        assert_eq!(lookup(&config, "api.csrf"), None);
        assert_eq!(lookup(&config, "x"), None);
        let both = array("['api.slug' => 'rest', 'api' => ['slug' => 'nested']]");
        assert_eq!(
            lookup(&both, "api.slug"),
            Some(&PhpValue::Str("rest".into()))
        );
        let scalar = array("['api' => false]");
        assert_eq!(lookup(&scalar, "api.slug"), None);
    }

    #[test]
    fn merge_replaces_recursively_like_php() {
        let mut base = PhpValue::Array(array(
            "['a' => ['x' => 1, 'y' => 2], 'l' => ['p', 'q'], 'b' => 1]",
        ));
        let over = PhpValue::Array(array(
            "['a' => ['y' => 3, 'z' => 4], 'l' => ['r'], 'b' => [5], 'c' => 6]",
        ));
        replace_recursive(&mut base, &over);
        let expected = array(
            "['a' => ['x' => 1, 'y' => 3, 'z' => 4], 'l' => ['r', 'q'], 'b' => [5], 'c' => 6]",
        );
        assert_eq!(base, PhpValue::Array(expected));
    }
}
