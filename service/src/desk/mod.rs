//! The verifier's desk: a page, served by the service at `/desk`, from which a
//! person at a verifier's desk creates a proof request, shows its link and QR
//! code to the subject's wallet, and sees the verdict appear.
//!
//! The page is plain HTML with one script and one style sheet, all embedded in
//! the binary; it loads nothing from elsewhere and works offline. It talks to
//! the verifier backend API (`POST /v1/transactions`, then a long poll of
//! `GET /v1/transactions/{id}`) with the backend token, which it keeps in the
//! tab's session storage and sends only in the `Authorization` header.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The path of the page.
pub const PAGE_PATH: &str = "/desk";

/// The `Content-Security-Policy` of the page and its files: everything from
/// the service itself, no inline script or style, no frames, no form posts.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One of the files of a page the service serves (the desk, the wallet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Its path under the service's root.
    pub path: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its contents.
    pub body: &'static str,
}

/// The desk's files: the page, its script, its style sheet and its icon.
pub const ASSETS: [Asset; 4] = [
    Asset {
        path: PAGE_PATH,
        content_type: "text/html; charset=utf-8",
        body: include_str!("desk.html"),
    },
    Asset {
        path: "/desk/desk.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("desk.js"),
    },
    Asset {
        path: "/desk/desk.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("desk.css"),
    },
    Asset {
        path: "/desk/icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("icon.svg"),
    },
];

/// The headers every desk file is served with, beside its `Content-Type`.
pub const HEADERS: [(&str, &str); 5] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-cache"),
];

/// The desk's file at `path`, if any.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// A QR code could not be made of a link (it is too long for any QR code).
#[derive(Debug, thiserror::Error)]
#[error("the link does not fit in a QR code")]
pub struct QrError;

/// A QR code of `uri` (a request URI, for the wallet to scan) as an SVG
/// document, black on white with its quiet zone, medium error correction.
///
/// # Errors
/// [`QrError`] when `uri` is too long for a QR code (about 2,300 bytes at
/// this error-correction level).
pub fn qr_svg(uri: &str) -> Result<String, QrError> {
    let code =
        QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).map_err(|_| QrError)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(192, 192)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_files() {
        let page = asset("/desk").unwrap();
        assert!(page.content_type.starts_with("text/html"));
        for needle in [
            "src=\"desk/desk.js\"",
            "href=\"desk/desk.css\"",
            "aria-live",
        ] {
            assert!(page.body.contains(needle), "{needle}");
        }
        for a in ASSETS {
            // No inline script or style (the CSP refuses them), no other origin.
            let links = a.body.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(
                !links.contains("http://") && !links.contains("https://"),
                "{}",
                a.path
            );
            assert!(
                !a.body.contains("<style") && !a.body.contains("style=\""),
                "{}",
                a.path
            );
            assert!(!a.body.contains("<script>"), "{}", a.path);
        }
        assert!(asset("/desk/desk.js")
            .unwrap()
            .body
            .contains("sessionStorage"));
        assert!(asset("/desk/other.js").is_none());
    }

    #[test]
    fn the_csp_allows_nothing_from_elsewhere() {
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'self'"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    }

    #[test]
    fn a_request_uri_becomes_an_svg_qr_code() {
        let svg =
            qr_svg("http://127.0.0.1:8080/v1/requests/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .unwrap();
        assert!(svg.contains("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("style="));
        assert!(qr_svg(&"x".repeat(5000)).is_err());
    }
}
