use super::*;

fn source(dir: &Path, filename: &str, width: u32, height: u32) -> File {
    let path = dir.join(filename);
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    picture.save(&path).expect("a test image");
    File {
        filename: filename.into(),
        extension: filename
            .rsplit_once('.')
            .map(|(_, e)| e.into())
            .unwrap_or_default(),
        size: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        path,
        modified: 1,
        dimensions: Some((width, height)),
        meta: Default::default(),
    }
}

fn decoded(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("a rendered image")
}

#[test]
fn names_split_into_source_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        source(dir.path(), "fog.jpg", 4, 4),
        source(dir.path(), "fog-night.jpg", 4, 4),
    ];
    let (file, options) = parse("fog-38x38-crop.jpg", &files).unwrap();
    assert_eq!(file.filename, "fog.jpg");
    assert_eq!(
        (options.width, options.height, options.crop),
        (Some(38), Some(38), true)
    );

    let (file, options) = parse("fog-night-128x.jpg", &files).unwrap();
    assert_eq!(
        file.filename, "fog-night.jpg",
        "the longest source name wins"
    );
    assert_eq!((options.width, options.height), (Some(128), None));

    let (_, options) = parse("fog-x64-crop-top-left-bw-blur3-q70.jpg", &files).unwrap();
    assert_eq!(options.height, Some(64));
    assert!(options.crop && options.grayscale);
    assert_eq!((options.blur, options.quality), (Some(3), 70));

    for bad in [
        "fog.jpg",
        "fog-.jpg",
        "fog-x.jpg",
        "fog-0x.jpg",
        "fog-99999x.jpg",
        "fog-38x-wobble.jpg",
        "fog-38x.png",
        "fog-38x-q0.jpg",
        "fog-38x-q.jpg",
        "fog-38x-blur.jpg",
        "other-38x.jpg",
        "fog-ä38x.jpg",
    ] {
        assert!(parse(bad, &files).is_none(), "{bad}");
    }
}

#[test]
fn a_resize_keeps_the_ratio_and_never_upscales() {
    let dir = tempfile::tempdir().unwrap();
    let file = source(dir.path(), "wide.png", 400, 200);
    let cache = ThumbCache::default();
    let width_only = |w| Options {
        width: Some(w),
        height: None,
        crop: false,
        grayscale: false,
        blur: None,
        quality: 90,
    };
    let small = decoded(&cache.get(&file, width_only(100)).unwrap());
    assert_eq!((small.width(), small.height()), (100, 50));
    let big = decoded(&cache.get(&file, width_only(1024)).unwrap());
    assert_eq!((big.width(), big.height()), (400, 200));
}

#[test]
fn a_crop_fills_its_box_and_grayscale_drops_colour() {
    let dir = tempfile::tempdir().unwrap();
    let file = source(dir.path(), "photo.jpg", 300, 200);
    let cache = ThumbCache::default();
    let options = Options {
        width: Some(64),
        height: None,
        crop: true,
        grayscale: true,
        blur: None,
        quality: 80,
    };
    let square = decoded(&cache.get(&file, options).unwrap());
    assert_eq!((square.width(), square.height()), (64, 64));
    assert!(
        square.as_luma8().is_some()
            || square
                .to_rgb8()
                .pixels()
                .all(|p| p[0] == p[1] && p[1] == p[2])
    );

    let larger_than_source = Options {
        width: Some(1000),
        height: Some(500),
        ..options
    };
    let shrunk = decoded(&cache.get(&file, larger_than_source).unwrap());
    assert_eq!(
        (shrunk.width(), shrunk.height()),
        (300, 150),
        "the box shrinks, keeping 2:1"
    );
}

#[test]
fn broken_or_lying_sources_give_no_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = source(dir.path(), "fake.jpg", 2, 2);
    std::fs::write(&file.path, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    file.modified = 2;
    let options = Options {
        width: Some(10),
        height: None,
        crop: false,
        grayscale: false,
        blur: None,
        quality: 90,
    };
    let cache = ThumbCache::default();
    assert!(cache.get(&file, options).is_none());
    file.path = dir.path().join("missing.jpg");
    assert!(cache.get(&file, options).is_none());
}
