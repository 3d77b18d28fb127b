//! `/api/translations`: the Panel languages. Public routes.

use super::super::call::Call;
use super::super::error::ApiResult;
use super::super::models::translation::{VIEWS, render};
use super::super::reply::{Reply, paginate};
use super::super::select;

pub fn list(call: &mut Call) -> ApiResult<Reply> {
    let mut all: Vec<_> = call.app.translations.all().cloned().collect();
    if all.is_empty() {
        all.push(call.app.translations.english());
    }
    let (items, pagination) = paginate(call, all)?;
    let selection = select::for_items(call, &VIEWS, &VIEWS.view("compact")?)?;
    let rendered: ApiResult<Vec<_>> = items.iter().map(|t| render(call, t, &selection)).collect();
    Ok(Reply::Collection(rendered?, pagination))
}

pub fn read(call: &mut Call) -> ApiResult<Reply> {
    let code = call.arg(0).to_owned();
    let translation = match call.app.translations.get(&code) {
        Some(t) => t.clone(),
        None if code == "en" => call.app.translations.english(),
        None => return Ok(Reply::NotFound),
    };
    let selection = select::for_model(call, &VIEWS)?;
    Ok(Reply::Model(render(call, &translation, &selection)?))
}
