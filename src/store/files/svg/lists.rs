//! The allow-lists of the SVG check: the elements and attributes an
//! uploaded SVG may use, and the namespaces it may declare. Everything not
//! named here is refused. The lists hold shapes, text, gradients, filters,
//! masks and the presentation attributes that style them; they leave out
//! scripts, embedded documents (`foreignObject`, `iframe`, `embed`,
//! `object`), and the animation elements that can rewrite any attribute
//! (`animate`, `set`). Names are compared in lowercase.

/// Elements, by local name.
#[rustfmt::skip]
pub const ELEMENTS: &[&str] = &[
    "a", "altglyph", "altglyphdef", "altglyphitem", "animatecolor", "animatemotion",
    "animatetransform", "circle", "clippath", "defs", "desc", "ellipse", "feblend",
    "fecolormatrix", "fecomponenttransfer", "fecomposite", "feconvolvematrix",
    "fediffuselighting", "fedisplacementmap", "fedistantlight", "fedropshadow", "feflood",
    "fefunca", "fefuncb", "fefuncg", "fefuncr", "fegaussianblur", "femerge", "femergenode",
    "femorphology", "feoffset", "fepointlight", "fespecularlighting", "fespotlight", "fetile",
    "feturbulence", "filter", "font", "g", "glyph", "glyphref", "hkern", "image", "line",
    "lineargradient", "marker", "mask", "metadata", "mpath", "path", "pattern", "polygon",
    "polyline", "radialgradient", "rect", "stop", "style", "svg", "switch", "symbol", "text",
    "textpath", "title", "tref", "tspan", "use", "view", "vkern",
];

/// Attributes, by full name (a prefix is part of the name).
#[rustfmt::skip]
pub const ATTRIBUTES: &[&str] = &[
    "accent-height", "accumulate", "additive", "alignment-baseline", "ascent",
    "attributename", "attributetype", "azimuth", "basefrequency", "baseline-shift", "begin",
    "bias", "by", "class", "clip", "clip-path", "clip-rule", "clippathunits", "color",
    "color-interpolation", "color-interpolation-filters", "color-profile", "color-rendering",
    "cx", "cy", "d", "diffuseconstant", "direction", "display", "divisor", "dominant-baseline",
    "dur", "dx", "dy", "edgemode", "elevation", "enable-background", "end", "fill",
    "fill-opacity", "fill-rule", "filter", "filterunits", "flood-color", "flood-opacity",
    "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style",
    "font-variant", "font-weight", "fr", "from", "fx", "fy", "g1", "g2", "glyph-name",
    "glyphref", "gradienttransform", "gradientunits", "height", "href", "id",
    "image-rendering", "in", "in2", "isolation", "k", "k1", "k2", "k3", "k4",
    "kernelmatrix", "kernelunitlength", "kerning", "keypoints", "keysplines", "keytimes",
    "lang", "lengthadjust", "letter-spacing", "lighting-color", "local", "marker-end",
    "marker-mid", "marker-start", "markerheight", "markerunits", "markerwidth", "mask",
    "mask-type", "maskcontentunits", "maskunits", "max", "media", "method", "min",
    "mix-blend-mode", "mode", "name", "numoctaves", "offset", "opacity", "operator", "order",
    "orient", "orientation", "origin", "overflow", "paint-order", "path", "pathlength",
    "patterncontentunits", "patterntransform", "patternunits", "points", "preservealpha",
    "preserveaspectratio", "primitiveunits", "r", "radius", "refx", "refy", "repeatcount",
    "repeatdur", "restart", "result", "role", "rotate", "rx", "ry", "scale", "seed",
    "shape-rendering", "specularconstant", "specularexponent", "spreadmethod", "startoffset",
    "stddeviation", "stitchtiles", "stop-color", "stop-opacity", "stroke", "stroke-dasharray",
    "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-opacity", "stroke-width", "style", "surfacescale", "systemlanguage", "tabindex",
    "targetx", "targety", "text-anchor", "text-decoration", "text-rendering", "textlength",
    "to", "transform", "transform-origin", "type", "u1", "u2", "unicode", "unicode-bidi",
    "values", "vector-effect", "version", "vert-adv-y", "vert-origin-x", "vert-origin-y",
    "viewbox", "visibility", "width", "word-spacing", "wrap", "writing-mode",
    "xchannelselector", "x", "x1", "x2", "xlink:href", "xlink:title", "xml:lang",
    "xml:space", "y", "y1", "y2", "ychannelselector", "z", "zoomandpan",
];

/// Attribute name prefixes that carry data only.
pub const ATTRIBUTE_PREFIXES: &[&str] = &["aria-", "data-"];

/// The namespaces an `xmlns` or `xmlns:*` attribute may declare.
pub const NAMESPACES: &[&str] = &[
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/XML/1998/namespace",
];

/// Attributes whose value is a URL.
pub const URL_ATTRIBUTES: &[&str] = &["href", "xlink:href"];

/// Elements whose URL may only point into the document itself (`#id`).
pub const LOCAL_ONLY_ELEMENTS: &[&str] = &["use", "mpath", "tref", "altglyph", "glyphref"];
