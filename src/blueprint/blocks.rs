//! Values of `blocks` and `layout` fields.
//!
//! Both are stored as JSON. Each block keeps its stored keys (`content`,
//! `id`, `isHidden`, `type`) in their order; only `content` is replaced by the
//! form values of the block type's fields, so a `toggle` shows `true` and an
//! image block's `image` shows Panel items. A block of an unknown type is
//! passed through untouched. Layouts keep their rows and columns and render
//! the blocks inside each column the same way.

use serde_json::{Map, Value, json};

use super::fields::{Field, Fieldset};
use super::values::{ValueContext, decode, form, lowercase_keys};

/// The value of a `blocks` field: an array of blocks, `[]` when empty or unreadable.
pub(crate) fn blocks_value(
    fieldsets: &[Fieldset],
    raw: Option<&Value>,
    ctx: &dyn ValueContext,
) -> Value {
    match decode(raw) {
        Value::Array(blocks) => Value::Array(render_blocks(fieldsets, &blocks, ctx)),
        _ => json!([]),
    }
}

fn render_blocks(fieldsets: &[Fieldset], blocks: &[Value], ctx: &dyn ValueContext) -> Vec<Value> {
    blocks
        .iter()
        .filter_map(Value::as_object)
        .map(|block| render_block(fieldsets, block, ctx))
        .collect()
}

fn render_block(
    fieldsets: &[Fieldset],
    block: &Map<String, Value>,
    ctx: &dyn ValueContext,
) -> Value {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(fieldset) = fieldsets.iter().find(|set| set.kind == kind) else {
        return Value::Object(block.clone());
    };
    let content = match block.get("content") {
        Some(Value::Object(content)) => lowercase_keys(content),
        _ => Map::new(),
    };
    let mut block = block.clone();
    block.insert("content".into(), form(&fieldset.fields, &content, ctx));
    Value::Object(block)
}

/// The value of a `layout` field: rows with `attrs`, `columns` and `id`.
pub(crate) fn layout_value(field: &Field, raw: Option<&Value>, ctx: &dyn ValueContext) -> Value {
    let Value::Array(rows) = decode(raw) else {
        return json!([]);
    };
    let rows = rows
        .iter()
        .filter_map(Value::as_object)
        .map(|row| render_row(field, row, ctx));
    Value::Array(rows.collect())
}

fn render_row(field: &Field, row: &Map<String, Value>, ctx: &dyn ValueContext) -> Value {
    let mut row = row.clone();
    // With `settings`, the attributes are a form of their own; without, they stay as stored.
    if !field.fields.is_empty() {
        let attrs = match row.get("attrs") {
            Some(Value::Object(attrs)) => lowercase_keys(attrs),
            _ => Map::new(),
        };
        row.insert("attrs".into(), form(&field.fields, &attrs, ctx));
    }
    if let Some(Value::Array(columns)) = row.get("columns") {
        let columns = columns
            .iter()
            .map(|column| render_column(&field.fieldsets, column, ctx))
            .collect();
        row.insert("columns".into(), Value::Array(columns));
    }
    Value::Object(row)
}

fn render_column(fieldsets: &[Fieldset], column: &Value, ctx: &dyn ValueContext) -> Value {
    let Some(column) = column.as_object() else {
        return column.clone();
    };
    let mut column = column.clone();
    if let Some(Value::Array(blocks)) = column.get("blocks") {
        let blocks = render_blocks(fieldsets, blocks, ctx);
        column.insert("blocks".into(), Value::Array(blocks));
    }
    Value::Object(column)
}
