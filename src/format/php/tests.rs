use proptest::prelude::*;

use super::*;
use crate::format::txt::tests::conformance_dir;

fn s(text: &str) -> PhpValue {
    PhpValue::Str(text.to_string())
}

fn map(items: Vec<(&str, PhpValue)>) -> PhpValue {
    PhpValue::Array(PhpArray(
        items
            .into_iter()
            .map(|(k, v)| (PhpKey::from_str_key(k), v))
            .collect(),
    ))
}

fn list(items: Vec<PhpValue>) -> PhpValue {
    PhpValue::Array(PhpArray(
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (PhpKey::Int(i as i64), v))
            .collect(),
    ))
}

fn parse_expr(expr: &str) -> PhpValue {
    parse_return_file(&format!("<?php return {expr};")).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn dynamic(expr: &str) -> (usize, String) {
    match parse_expr(expr) {
        PhpValue::Dynamic { line, construct } => (line, construct),
        other => panic!("{expr} gave {other:?}"),
    }
}

fn error(src: &str) -> PhpError {
    parse_return_file(src).expect_err(src)
}

#[test]
fn fixture_accounts_and_languages_round_trip_byte_for_byte() {
    let Some(root) = conformance_dir() else {
        return;
    };
    let files = [
        "site/site/accounts/AvMhEtBi/index.php",
        "site/site/accounts/exKNWxaD/index.php",
        "site/site/accounts/tB1eAcFS/index.php",
        "site-multilang/site/languages/de.php",
        "site-multilang/site/languages/en.php",
    ];
    for file in files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let value = parse_return_file(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(write_return_file(&value), text, "{file}");
    }
}

#[test]
fn writes_the_live_language_file_from_the_spec() {
    let language = map(vec![
        ("code", s("de")),
        ("default", PhpValue::Bool(false)),
        ("locale", map(vec![("LC_ALL", s("de_DE"))])),
        ("translations", PhpValue::Array(PhpArray::default())),
        ("url", PhpValue::Null),
    ]);
    let expected = "<?php\n\nreturn [\n    'code' => 'de',\n    'default' => false,\n    \
        'locale' => [\n        'LC_ALL' => 'de_DE'\n    ],\n    'translations' => [\n\n    ],\n    \
        'url' => NULL\n];";
    assert_eq!(write_return_file(&language), expected);
}

#[test]
fn writes_lists_without_keys_and_escapes_quotes() {
    let value = map(vec![
        ("name", s("O'Brien \\ x")),
        ("tags", list(vec![s("a"), PhpValue::Int(-2)])),
    ]);
    let expected = "<?php\n\nreturn [\n    'name' => 'O\\'Brien \\\\ x',\n    'tags' => [\n        \
        'a',\n        -2\n    ]\n];";
    assert_eq!(write_return_file(&value), expected);
    let sparse = PhpValue::Array(PhpArray(vec![(PhpKey::Int(1), s("b"))]));
    assert_eq!(
        write_return_file(&sparse),
        "<?php\n\nreturn [\n    1 => 'b'\n];"
    );
}

#[test]
fn floats_print_like_php() {
    let cases = [
        (1.5, "1.5"),
        (1.0, "1"),
        (0.1 + 0.2, "0.3"),
        (-2.25, "-2.25"),
        (1e25, "1.0E+25"),
        (1e14, "1.0E+14"),
        (1e13, "10000000000000"),
        (0.0001, "0.0001"),
        (0.00001, "1.0E-5"),
        (1.5e-7, "1.5E-7"),
        (123456789012345678.0, "1.2345678901235E+17"),
        (f64::INFINITY, "INF"),
        (-0.0, "-0"),
    ];
    for (number, text) in cases {
        assert_eq!(php_float_to_string(number), text, "{number:e}");
    }
    assert_eq!(parse_expr("1.0E+25"), PhpValue::Float(1e25));
}

#[test]
fn parses_scalars() {
    assert_eq!(parse_expr("NULL"), PhpValue::Null);
    assert_eq!(parse_expr("True"), PhpValue::Bool(true));
    assert_eq!(parse_expr("\\false"), PhpValue::Bool(false));
    assert_eq!(parse_expr("-42"), PhpValue::Int(-42));
    assert_eq!(parse_expr("0x1F"), PhpValue::Int(31));
    assert_eq!(parse_expr("0b101"), PhpValue::Int(5));
    assert_eq!(parse_expr("0o17"), PhpValue::Int(15));
    assert_eq!(parse_expr("017"), PhpValue::Int(15));
    assert_eq!(parse_expr("1_000_000"), PhpValue::Int(1_000_000));
    assert_eq!(parse_expr(".5"), PhpValue::Float(0.5));
    assert_eq!(parse_expr("- 1.5e3"), PhpValue::Float(-1500.0));
    assert_eq!(
        parse_expr("9223372036854775808"),
        PhpValue::Float(9223372036854775808.0)
    );
    assert_eq!(parse_expr("LC_ALL"), PhpValue::Int(6));
    assert_eq!(parse_expr("LC_MESSAGES"), PhpValue::Int(5));
}

#[test]
fn parses_strings_with_php_escapes() {
    assert_eq!(parse_expr(r"'a\'b\\c\n'"), s("a'b\\c\\n"));
    assert_eq!(
        parse_expr(r#""a\tb\n\"\$x\\ \q \x41\101\u{e9}""#),
        s("a\tb\n\"$x\\ \\q AAé")
    );
    assert_eq!(parse_expr(r#""costs $5""#), s("costs $5"));
    assert_eq!(dynamic(r#""hi $name""#).1, "string interpolation");
    assert_eq!(dynamic(r#""{$a["x"]}""#).1, "string interpolation");
    assert_eq!(dynamic(r#""\xff""#).1, "string that is not valid UTF-8");
}

#[test]
fn array_keys_follow_php_rules() {
    let value = parse_expr(
        "['5' => 'a', '05' => 'b', 'x', true => 'c', null => 'd', 1.7 => 'e', 5 => 'f']",
    );
    let expected = PhpValue::Array(PhpArray(vec![
        (PhpKey::Int(5), s("f")),
        (PhpKey::Str("05".into()), s("b")),
        (PhpKey::Int(6), s("x")),
        (PhpKey::Int(1), s("e")),
        (PhpKey::Str(String::new()), s("d")),
    ]));
    assert_eq!(value, expected);
    assert_eq!(
        parse_expr("[-5 => 'a', 'b']"),
        map(vec![("-5", s("a")), ("0", s("b"))])
    );
    assert_eq!(
        parse_expr("[LC_ALL => 'de_DE']"),
        map(vec![("6", s("de_DE"))])
    );
}

#[test]
fn parses_a_hand_written_config() {
    let src = r#"<?php
declare(strict_types=1);
namespace App;
use Kirby\Cms\App as Kirby;

/* site options */
return array(
    'debug'  => TRUE, // on for now
    # the API
    'api' => [ 'basicAuth' => true, 'slug' => "rest", ],
    'hooks' => [
        'page.update:after' => function ($newPage, $oldPage) {
            if ($newPage->title() == "x") { return ['a' => 1]; }
        },
    ],
    'routes' => [ fn () => ['pattern' => 'a' . 'b'], ['pattern' => 'c'] ],
    'ready' => static fn ($kirby) => [ 'x' => $kirby->root() ],
    'url' => env('URL', 'http://localhost'),
    'cache' => ['pages' => ['active' => true, 'ignore' => fn ($page) => $page->id() === 'x']],
    'thumbs.quality' => 80,
);
// anything after the return never runs
"#;
    let value = parse_return_file(src).unwrap();
    let array = value.as_array().unwrap();
    assert_eq!(array.get("debug"), Some(&PhpValue::Bool(true)));
    assert_eq!(
        array.get("api"),
        Some(&map(vec![
            ("basicAuth", PhpValue::Bool(true)),
            ("slug", s("rest"))
        ]))
    );
    let hooks = array.get("hooks").and_then(PhpValue::as_array).unwrap();
    let closure = PhpValue::Dynamic {
        line: 12,
        construct: "closure".into(),
    };
    assert_eq!(hooks.get("page.update:after"), Some(&closure));
    let routes = array.get("routes").and_then(PhpValue::as_array).unwrap();
    assert_eq!(routes.0.len(), 2);
    assert_eq!(routes.0[1].1, map(vec![("pattern", s("c"))]));
    assert_eq!(
        array.get("ready"),
        Some(&PhpValue::Dynamic {
            line: 17,
            construct: "closure".into()
        })
    );
    let url = PhpValue::Dynamic {
        line: 18,
        construct: "function call `env()`".into(),
    };
    assert_eq!(array.get("url"), Some(&url));
    assert!(array.get("cache").unwrap().contains_dynamic());
    assert_eq!(array.get("thumbs.quality"), Some(&PhpValue::Int(80)));
}

#[test]
fn describes_dynamic_constructs() {
    assert_eq!(dynamic("$config").1, "variable `$config`");
    assert_eq!(dynamic("MY_CONST").1, "constant `MY_CONST`");
    assert_eq!(dynamic("__DIR__ . '/x'").1, "constant `__DIR__`");
    assert_eq!(dynamic("'a' . 'b'").1, "concatenation");
    assert_eq!(dynamic("1 + 2").1, "arithmetic expression");
    assert_eq!(dynamic("Foo::BAR").1, "class constant `Foo::BAR`");
    assert_eq!(
        dynamic("\\Foo\\Bar::make(1)").1,
        "static method call `Foo\\Bar::make()`"
    );
    assert_eq!(dynamic("Foo::class").1, "class name `Foo::class`");
    assert_eq!(dynamic("new Foo(1, [2])").1, "`new Foo` object");
    assert_eq!(dynamic("<<<EOT\n  text, ]\n  EOT").1, "heredoc");
    assert_eq!(dynamic("<<<'EOT'\ntext\nEOT").1, "heredoc");
    assert_eq!(
        dynamic("match ($x) { 1 => 'a', default => 'b' }").1,
        "`match` expression"
    );
    assert_eq!(
        dynamic("require __DIR__ . '/secrets.php'").1,
        "file include `require`"
    );
    assert_eq!(dynamic("[1, 2][0]").1, "array access");
    assert_eq!(dynamic("$a <=> $b").1, "variable `$a`");
    assert_eq!(
        dynamic("[Foo::KEY => 1]").1,
        "class constant `Foo::KEY` as an array key"
    );
    assert_eq!(dynamic("[...$other, 'a']").1, "spread `...`");
    assert_eq!(dynamic("fn ($x) => fn ($y) => $x + $y").1, "closure");
}

#[test]
fn dynamic_values_are_skipped_to_the_next_item() {
    let value = parse_expr(
        "[ 'a' => fn($x) => $x ? [1, 2] : \"]\", 'b' => 2, f(')') => 3, 'c' => <<<X\nX\n ]",
    );
    let PhpValue::Dynamic { construct, .. } = value else {
        panic!("{value:?}")
    };
    assert_eq!(construct, "function call `f()` as an array key");
    let value =
        parse_expr("[ 'a' => fn($x) => $x ? [1, 2] : \"]\", 'b' => 2, 'c' => <<<X\n]\nX\n ]");
    let array = value.as_array().unwrap();
    assert_eq!(array.get("b"), Some(&PhpValue::Int(2)));
    assert_eq!(array.0.len(), 3);
}

#[test]
fn syntax_errors_name_their_line() {
    assert_eq!(error("<?php\nreturn [\n  'a' => 1\n  'b' => 2\n];").line, 4);
    assert_eq!(
        error("<?php\n\nreturn ['a' => 'x];").message,
        "unterminated string"
    );
    assert_eq!(
        error("hello <?php return 1;").message,
        "expected `<?php` at the start of the file"
    );
    assert_eq!(
        error("<?php $x = 1; return $x;").message,
        "expected `return`, found `$`"
    );
    assert_eq!(
        error("<?php // nothing").message,
        "the file has no `return` statement"
    );
    assert_eq!(error("<?php return [1, 2]").line, 1);
    assert_eq!(error("<?php return 08;").message, "invalid numeric literal");
    assert_eq!(
        error("<?php return 1__0;").message,
        "invalid numeric literal"
    );
    assert_eq!(
        error("<?php return [[1] => 2];").message,
        "an array cannot be an array key"
    );
    assert_eq!(error("<?php return [f(];").message, "unexpected `]`");
    assert_eq!(error("<?php /* open").message, "unterminated `/*` comment");
    let deep = format!("<?php return {}{};", "[".repeat(500), "]".repeat(500));
    assert_eq!(error(&deep).message, "arrays are nested too deeply");
}

#[test]
fn odd_but_valid_files_parse() {
    assert_eq!(
        parse_return_file("\u{feff}<?php return 1 ?>").unwrap(),
        PhpValue::Int(1)
    );
    assert_eq!(
        parse_return_file("<?PHP\r\nreturn# x\n[];").unwrap(),
        PhpValue::Array(PhpArray::default())
    );
    let attributed = parse_expr("['a' => #[Pure]\n fn () => [1], 'b' => 2]");
    assert_eq!(
        attributed.as_array().and_then(|a| a.get("b")),
        Some(&PhpValue::Int(2))
    );
    assert_eq!(
        parse_return_file("<?php return array ( 'a', ) ;").unwrap(),
        list(vec![s("a")])
    );
}

/// Values without floats (they print with 14 digits) and without `Dynamic`
/// (written as `NULL`); string keys are never numeric, since PHP would turn
/// them into int keys; `i64::MIN` is left out because PHP reads its literal
/// as a float.
fn value_strategy() -> impl Strategy<Value = PhpValue> {
    let leaf = prop_oneof![
        Just(PhpValue::Null),
        any::<bool>().prop_map(PhpValue::Bool),
        (i64::MIN + 1..=i64::MAX).prop_map(PhpValue::Int),
        any::<String>().prop_map(PhpValue::Str),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![
            any::<i64>().prop_map(PhpKey::Int),
            any::<String>().prop_map(|text| PhpKey::from_str_key(&text)),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(|items| {
                let entries = items.into_iter().enumerate();
                PhpValue::Array(PhpArray(
                    entries.map(|(i, v)| (PhpKey::Int(i as i64), v)).collect(),
                ))
            }),
            proptest::collection::vec((key, inner), 0..6).prop_map(|mut entries| {
                let mut seen = std::collections::HashSet::new();
                entries.retain(|(key, _)| seen.insert(key.clone()));
                PhpValue::Array(PhpArray(entries))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn parse_of_write_is_the_value(value in value_strategy()) {
        let written = write_return_file(&value);
        prop_assert_eq!(parse_return_file(&written), Ok(value));
    }

    #[test]
    fn parse_never_panics(src in any::<String>()) {
        let _ = parse_return_file(&format!("<?php return {src};"));
        let _ = parse_return_file(&src);
    }
}
