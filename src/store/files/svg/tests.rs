use super::check;

const NS: &str =
    "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"";

fn svg(body: &str) -> String {
    format!("<svg {NS}>\n{body}\n</svg>")
}

fn refused(doc: &str) -> String {
    match check(doc) {
        Ok(()) => panic!("accepted: {doc}"),
        Err(message) => message,
    }
}

#[test]
fn accepts_ordinary_drawings() {
    let drawings = [
        "<rect width=\"1\" height=\"2\" fill=\"url(#g)\"/>",
        "<defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"red\"/></linearGradient></defs>",
        "<style><![CDATA[ rect { fill: url(#g); } ]]></style>",
        "<a href=\"https://example.com/\"><text x=\"1\">Hi &amp; bye</text></a>",
        "<use xlink:href=\"#icon\"/><use href=\" #icon\"/>",
        "<image href=\"data:image/png;base64,AAAA\" width=\"1\" height=\"1\"/>",
        "<animateTransform attributeName=\"transform\" type=\"rotate\" from=\"0\" to=\"90\"/>",
        "<g data-name=\"x\" aria-hidden=\"true\" style=\"opacity: .5\"><!-- note --></g>",
    ];
    for body in drawings {
        assert_eq!(check(&svg(body)), Ok(()), "{body}");
    }
    let declared = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \
                    \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg/>";
    assert_eq!(check(declared), Ok(()));
}

#[test]
fn refuses_scripts_behind_namespace_prefixes_and_case() {
    let doc = "<svg><x:script xmlns:x=\"http://www.w3.org/2000/svg\">alert(1)</x:script></svg>";
    assert_eq!(
        refused(doc),
        "The \"x:script\" element (line 1) is not allowed"
    );
    assert_eq!(
        refused(&svg("<svg:script>alert(1)</svg:script>")),
        "The \"svg:script\" element (line 2) is not allowed"
    );
    assert_eq!(
        refused(&svg("<SCRIPT>alert(1)</SCRIPT>")),
        "The \"SCRIPT\" element (line 2) is not allowed"
    );
}

#[test]
fn refuses_embedded_documents() {
    for element in [
        "foreignObject",
        "iframe",
        "embed",
        "object",
        "animate",
        "set",
    ] {
        let doc = svg(&format!("<{element}/>"));
        assert_eq!(
            refused(&doc),
            format!("The \"{element}\" element (line 2) is not allowed")
        );
    }
}

#[test]
fn refuses_script_urls_in_links() {
    for href in [
        "href=\"javascript:alert(1)\"",
        "xlink:href=\"javascript:alert(1)\"",
        "href=\"&#106;avascript:alert(1)\"",
        "href=\"&#x6A;avascript:alert(1)\"",
        "href=\" JaVaScript:alert(1)\"",
        "href=\"java&#9;script:alert(1)\"",
        "href=\"data:text/html;base64,PHNjcmlwdD4=\"",
    ] {
        let message = refused(&svg(&format!("<a {href}><text>x</text></a>")));
        assert!(
            message.starts_with("The URL is not allowed in attribute"),
            "{href}: {message}"
        );
        assert!(message.ends_with("(line 2)"), "{message}");
    }
}

#[test]
fn refuses_outside_references_in_use() {
    assert_eq!(
        refused(&svg("<use xlink:href=\"http://evil/x.svg#a\"/>")),
        "The URL is not allowed in attribute \"xlink:href\" (line 2)"
    );
    refused(&svg("<use href=\"other.svg#a\"/>"));
}

#[test]
fn refuses_event_handlers_anywhere() {
    assert_eq!(
        refused("<svg onload=\"x()\"></svg>"),
        "The \"onload\" attribute (line 1) is not allowed: Not included in the global allowlist"
    );
    refused(&svg("<g><rect ONCLICK=\"x()\"/></g>"));
    refused(&svg(
        "<rect x:onclick=\"x()\" xmlns:x=\"http://www.w3.org/2000/svg\"/>",
    ));
}

#[test]
fn refuses_animations_of_links_and_handlers() {
    for target in ["href", "xlink:href", "onmouseover", " OnClick"] {
        let doc = svg(&format!(
            "<animateMotion attributeName=\"{target}\" to=\"x\"/>"
        ));
        assert!(refused(&doc).starts_with("The \"attributeName\" attribute (line 2)"));
    }
}

#[test]
fn refuses_doctype_subsets_and_outside_dtds() {
    let laughs = "<!DOCTYPE svg [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]>\n<svg>&b;</svg>";
    assert_eq!(refused(laughs), "The doctype must not define a subset");
    let xxe = "<!DOCTYPE svg [\n<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg/>";
    assert_eq!(refused(xxe), "The doctype must not define a subset");
    let outside = "<!DOCTYPE svg SYSTEM \"http://evil/x.dtd\"><svg/>";
    assert_eq!(
        refused(outside),
        "The doctype must not reference external files"
    );
    assert_eq!(refused("<!DOCTYPE html><svg/>"), "Invalid doctype");
    assert!(refused("<svg>&xxe;</svg>").starts_with("The markup could not be parsed"));
}

#[test]
fn refuses_styles_that_load_from_outside() {
    for style in [
        "<style>@import url(http://evil/x.css);</style>",
        "<style>&#64;import 'x.css';</style>",
        "<style>rect { fill: url(http://evil/p.svg#a) }</style>",
    ] {
        assert_eq!(
            refused(&svg(style)),
            "The URL is not allowed in the \"style\" element (line 2)",
            "{style}"
        );
    }
    assert_eq!(
        refused(&svg("<rect style=\"background: url(//evil/x.png)\"/>")),
        "The URL is not allowed in attribute \"style\" (line 2)"
    );
    refused(&svg("<rect fill=\"url(http://evil/x#a)\"/>"));
}

#[test]
fn refuses_other_namespaces_instructions_and_roots() {
    assert!(refused("<svg xmlns=\"http://www.w3.org/1999/xhtml\"/>").starts_with("The namespace"));
    assert_eq!(
        refused("<?xml-stylesheet href=\"http://evil/x.css\"?><svg/>"),
        "The \"xml-stylesheet\" processing instruction (line 1) is not allowed"
    );
    assert_eq!(refused("<html/>"), "The file is not a SVG (got <html>)");
    assert!(refused("<svg><g></svg>").starts_with("The markup could not be parsed"));
}
