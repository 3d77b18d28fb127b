//! Tests of the Panel item builders.

use super::*;

pub(crate) fn tree_file() -> FileFacts {
    FileFacts {
        id: "photography/trees/fog.jpg".into(),
        filename: "fog.jpg".into(),
        owner: Owner::Page("photography/trees".into()),
        uuid: Some("file://Jc0l".into()),
        url: "http://h/media/pages/photography/trees/abc-1/fog.jpg".into(),
        kind: "image".into(),
        extension: "jpg".into(),
        dimensions: Some((4, 3)),
    }
}

#[test]
fn own_file_item_matches_the_recorded_shape() {
    let item = file_item(
        &tree_file(),
        &Owner::Page("photography/trees".into()),
        &ItemSettings::default(),
    );
    let keys: Vec<&String> = item
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "id", "image", "info", "link", "sortable", "text", "uuid", "dragText", "filename",
            "type", "url"
        ]
    );
    assert_eq!(item["id"], "fog.jpg");
    assert_eq!(item["dragText"], "(image: fog.jpg)");
    assert_eq!(item["link"], "/pages/photography+trees/files/fog.jpg");
    assert_eq!(item["uuid"], "file://Jc0l");
    assert_eq!(
        item["image"],
        json!({"back": "pattern", "color": "orange-500", "cover": false, "icon": "image",
            "url": "http://h/media/pages/photography/trees/abc-1/fog.jpg", "src": PLACEHOLDER,
            "srcset": "http://h/media/pages/photography/trees/abc-1/fog-38x.jpg 38w, http://h/media/pages/photography/trees/abc-1/fog-76x.jpg 76w"})
    );
}

#[test]
fn foreign_file_item_uses_full_id_and_uuid() {
    let item = file_item(
        &tree_file(),
        &Owner::Page("photography/trees-2".into()),
        &ItemSettings::default(),
    );
    assert_eq!(item["id"], "photography/trees/fog.jpg");
    assert_eq!(item["dragText"], "(image: file://Jc0l)");
}

#[test]
fn image_settings_cover_and_layouts() {
    let mut settings = ItemSettings {
        image: Some(json!({"back": "black"})),
        ..Default::default()
    };
    let item = file_item(&tree_file(), &Owner::Site, &settings);
    assert_eq!(item["image"]["back"], "black");
    settings.image = Some(json!({"cover": true}));
    let item = file_item(&tree_file(), &Owner::Site, &settings);
    let srcset = item["image"]["srcset"].as_str().unwrap_or_default();
    assert!(srcset.ends_with("fog-38x38-crop.jpg 1x, http://h/media/pages/photography/trees/abc-1/fog-76x76-crop.jpg 2x"), "{srcset}");
    settings.layout = "cards".into();
    settings.image = Some(json!({"cover": true, "ratio": "3/2"}));
    let item = file_item(&tree_file(), &Owner::Site, &settings);
    assert!(
        item["image"]["srcset"]
            .as_str()
            .unwrap_or_default()
            .contains("fog-352x235-crop.jpg 352w")
    );
    settings.image = Some(json!(false));
    assert!(file_item(&tree_file(), &Owner::Site, &settings)["image"].is_null());
}

#[test]
fn documents_get_an_icon_and_no_thumbs() {
    let mut file = tree_file();
    file.kind = "document".into();
    file.extension = "pdf".into();
    let item = file_item(&file, &Owner::Site, &ItemSettings::default());
    assert_eq!(item["dragText"], "(file: file://Jc0l)");
    assert_eq!(item["image"]["icon"], "document");
    assert!(item["image"].get("srcset").is_none());
}

#[test]
fn page_and_user_items() {
    let page = PageFacts {
        id: "notes/a".into(),
        title: "A & B".into(),
        uuid: Some("page://x".into()),
        url: "http://h/notes/a".into(),
        has_children: false,
        icon: None,
        image: None,
    };
    let item = page_item(&page, &ItemSettings::default());
    assert_eq!(item["text"], "A &amp; B");
    assert_eq!(item["link"], "/pages/notes+a");
    assert_eq!(item["dragText"], "(link: page://x text: A & B)");
    assert_eq!(item["image"]["icon"], "page");
    let user = UserFacts {
        id: "u1".into(),
        email: "e@x".into(),
        username: "Eddie".into(),
        avatar: None,
    };
    let item = user_item(&user, &ItemSettings::default());
    assert_eq!(
        (item["text"].clone(), item["uuid"].clone()),
        (json!("Eddie"), json!("user://u1"))
    );
}

#[test]
fn templates_render_known_facts() {
    let file = tree_file();
    let lookup = |key: &str| file_placeholder(&file, key);
    assert_eq!(
        render("{{ file.dimensions }} / {{ nope }} {{", &lookup),
        "4 × 3 /  {{"
    );
    assert_eq!(thumb_url("noslash", "38x"), "noslash-38x");
}
