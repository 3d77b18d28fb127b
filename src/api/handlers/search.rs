//! Kirby's collection search: the query and each of its words are looked
//! for in every field of each model, and results are ordered by a score
//! (exact field match 16, containing the whole query 8, a word 2).

use serde_json::Value;

use super::super::call::Call;

/// The search query and paging of a search request: `?q=` on GET, the body's
/// `search`, `limit`, `offset` on POST.
pub struct SearchRequest {
    pub query: String,
}

impl SearchRequest {
    pub fn from_call(call: &Call) -> SearchRequest {
        let from_body = call.body.get("search").and_then(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let query = if call.method == "POST" {
            from_body
        } else {
            call.query.get("q").map(str::to_owned)
        };
        SearchRequest {
            query: query.unwrap_or_default(),
        }
    }
}

const MIN_LENGTH: usize = 2;

/// Keeps the items whose fields match `query`, best first. Items with equal
/// scores keep their order.
pub fn search<T>(query: &str, items: Vec<T>, fields: impl Fn(&T) -> Vec<String>) -> Vec<T> {
    let query = query.trim().to_lowercase();
    if query.chars().count() < MIN_LENGTH {
        return Vec::new();
    }
    let words: Vec<&str> = query
        .split_whitespace()
        .filter(|w| w.chars().count() >= MIN_LENGTH)
        .collect();
    let mut scored: Vec<(u32, T)> = items
        .into_iter()
        .filter_map(|item| {
            let score = score(&query, &words, &fields(&item));
            (score > 0).then_some((score, item))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0));
    scored.into_iter().map(|(_, item)| item).collect()
}

fn score(query: &str, words: &[&str], values: &[String]) -> u32 {
    values
        .iter()
        .map(|value| {
            let value = value.to_lowercase();
            if value == query {
                16
            } else if value.contains(query) {
                8
            } else if words.iter().any(|w| value.contains(w)) {
                2
            } else {
                0
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_score_and_ignores_short_queries() {
        let items = vec!["the ocean", "ocean", "nothing"];
        let found = search("ocean", items.clone(), |i| vec![i.to_string()]);
        assert_eq!(found, ["ocean", "the ocean"]);
        assert!(search("o", items, |i| vec![i.to_string()]).is_empty());
    }
}
