//! Kirby's collection search (`$collection->search($query)`).
//!
//! Each model offers named values (its content fields, its id, for users
//! also name, e-mail and role). A value scores, times the field's weight
//! (64 for a page's `id` and `title`, else 1): 16 when it equals the query,
//! 8 when it starts with it, 2 when it contains it, plus one per match of any
//! query word. Models with any hit are kept, best score first; ties are
//! ordered by id, as Kirby's multisort leaves them.

use serde_json::Value;

use super::super::call::Call;
use crate::store::model::{Translated, fields_for};

/// A POST search body: `search`, `offset`, `limit` (Kirby applies the
/// offset and limit to the collection before searching it).
pub struct SearchRequest {
    pub query: String,
    pub offset: usize,
    pub limit: Option<usize>,
}

fn number(value: Option<Value>) -> Option<usize> {
    match value? {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl SearchRequest {
    pub fn from_call(call: &Call) -> SearchRequest {
        if call.method != "POST" {
            let query = call.query.get("q").unwrap_or_default().to_owned();
            return SearchRequest {
                query,
                offset: 0,
                limit: None,
            };
        }
        let query = match call.body.get("search") {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        SearchRequest {
            query,
            offset: number(call.body.get("offset")).unwrap_or(0),
            limit: number(call.body.get("limit")),
        }
    }

    /// Runs the search over `items`, each described by `(id, weighted values)`.
    pub fn run<T>(&self, items: Vec<T>, describe: impl Fn(&T) -> Searchable) -> Vec<T> {
        let window = items.into_iter().skip(self.offset);
        let window: Vec<T> = match self.limit {
            Some(limit) => window.take(limit).collect(),
            None => window.collect(),
        };
        search(&self.query, window, describe)
    }
}

/// What the search sees of one model.
pub struct Searchable {
    pub id: String,
    /// `(field name, value)`; the name decides the weight.
    pub values: Vec<(String, String)>,
    /// Pages weigh `id` and `title` 64 times.
    pub is_page: bool,
}

impl Searchable {
    /// A model's content fields in the request language, plus its `id`.
    pub fn from_content(
        call: &Call,
        content: &Translated,
        id: String,
        is_page: bool,
    ) -> Searchable {
        let fields = fields_for(
            content,
            call.language.as_ref(),
            call.site.default_language(),
        );
        let mut values: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        values.push(("id".into(), id.clone()));
        Searchable {
            id,
            values,
            is_page,
        }
    }
}

const MIN_LENGTH: usize = 2;

pub fn search<T>(query: &str, items: Vec<T>, describe: impl Fn(&T) -> Searchable) -> Vec<T> {
    let query = query.trim();
    if query.chars().count() < MIN_LENGTH {
        return Vec::new();
    }
    let lower_query = query.to_lowercase();
    let words: Vec<String> = query
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(str::trim)
        .filter(|w| w.chars().count() >= MIN_LENGTH)
        .map(str::to_lowercase)
        .collect();
    let mut scored: Vec<(u64, String, T)> = items
        .into_iter()
        .filter_map(|item| {
            let model = describe(&item);
            let (hits, score) = score(&lower_query, &words, &model);
            (hits > 0).then_some((score, model.id, item))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, item)| item).collect()
}

fn score(query: &str, words: &[String], model: &Searchable) -> (u64, u64) {
    let (mut hits, mut score) = (0u64, 0u64);
    for (key, value) in &model.values {
        let weight = if model.is_page && (key == "id" || key == "title") {
            64
        } else {
            1
        };
        let value = value.to_lowercase();
        if value == query {
            score += 16 * weight;
            hits += 1;
        } else if value.starts_with(query) {
            score += 8 * weight;
            hits += 1;
        } else {
            let found = value.matches(query).count() as u64;
            if found > 0 {
                score += 2 * weight;
                hits += found;
            }
        }
        let word_hits: u64 = words
            .iter()
            .map(|w| value.matches(w.as_str()).count() as u64)
            .sum();
        hits += word_hits;
        score += word_hits * weight;
    }
    (hits, score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(id: &str, title: &str) -> Searchable {
        Searchable {
            id: id.into(),
            values: vec![("title".into(), title.into()), ("id".into(), id.into())],
            is_page: true,
        }
    }

    #[test]
    fn orders_by_score_then_id_and_ignores_short_words() {
        let items = vec![
            ("b", "the ocean"),
            ("a", "the ocean"),
            ("c", "ocean"),
            ("d", "nothing"),
        ];
        let found = search("ocean", items, |(id, title)| page(id, title));
        let ids: Vec<&str> = found.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert!(search("e", vec![("a", "e")], |(id, t)| page(id, t)).is_empty());
    }

    #[test]
    fn an_empty_query_finds_nothing() {
        assert!(search("  ", vec![("a", "x")], |(id, t)| page(id, t)).is_empty());
    }
}
