//! The browser wallet: a page, served by the service at `/wallet`, that keeps
//! a subject's wallet in the browser's local storage, takes credentials from
//! raters, opens a request link from the desk, shows the consent summary,
//! proves in WebAssembly and posts the presentation.
//!
//! The page, its script and its style sheet are embedded in the binary; the
//! WebAssembly package's web build (`wasm/pkg/web`, made by `wasm/build.sh`)
//! is read from a directory at start ([`Package::load`]) and served beside it
//! under `/wallet/pkg/`. Without the package the service runs as before and
//! the wallet's routes answer 503.
//!
//! The page loads nothing from elsewhere and talks only to the service that
//! serves it: it answers requests whose link is on its own origin.

use std::path::{Path, PathBuf};

use axum::body::Bytes;

use crate::desk::Asset;

/// The path of the page.
pub const PAGE_PATH: &str = "/wallet";

/// Where the package's files are served, under the service's root.
pub const PKG_PATH: &str = "/wallet/pkg";

/// The directory the package is read from when the configuration names
/// none (relative to the working directory): the web build that
/// `wasm/build.sh` makes in a checkout of the repository.
pub const DEFAULT_PKG_DIR: &str = "wasm/pkg/web";

/// The `Content-Security-Policy` of the page and its files: the desk's,
/// with `'wasm-unsafe-eval'`, without which a browser does not compile
/// WebAssembly. Nothing from elsewhere, no inline script or style, no
/// frames, no form posts, and no `fetch` but to the service itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The page's own files: the page, its script (an ES module), its style
/// sheet and its icon.
pub const ASSETS: [Asset; 4] = [
    Asset {
        path: PAGE_PATH,
        content_type: "text/html; charset=utf-8",
        body: include_str!("wallet.html"),
    },
    Asset {
        path: "/wallet/wallet.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("wallet.js"),
    },
    Asset {
        path: "/wallet/wallet.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("wallet.css"),
    },
    Asset {
        path: "/wallet/icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../desk/icon.svg"),
    },
];

/// The headers every wallet file is served with, beside its
/// `Content-Type`: the page holds the wallet's secrets, so it also keeps
/// its browsing context to itself.
pub const HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-cache"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// The page's file at `path`, if any.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// The package's files the page loads, with their `Content-Type`s
/// (`application/wasm` lets the browser compile the module as it streams).
pub const PACKAGE_FILES: [(&str, &str); 2] = [
    ("credence_wasm.js", "text/javascript; charset=utf-8"),
    ("credence_wasm_bg.wasm", "application/wasm"),
];

/// The largest package file read: far above the module's size (about
/// 1 MB), far below anything that would strain the service.
pub const MAX_PACKAGE_FILE_LEN: u64 = 16 << 20;

/// Why the package cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// A file of the package is missing or unreadable.
    #[error(
        "cannot read the WebAssembly package's {} (build it with wasm/build.sh): {source}",
        .path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what the package holds there.
    #[error("{} is not the WebAssembly package's file: {reason}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The WebAssembly package's web build, read once at start.
#[derive(Clone)]
pub struct Package {
    files: Vec<(&'static str, &'static str, Bytes)>,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.files.iter().map(|(name, _, body)| (name, body.len())))
            .finish()
    }
}

impl Package {
    /// Reads the package's [`PACKAGE_FILES`] from `dir` (the web build,
    /// `wasm/pkg/web`).
    ///
    /// # Errors
    /// [`PackageError::Read`] for a file that is missing or unreadable;
    /// [`PackageError::Invalid`] for one larger than
    /// [`MAX_PACKAGE_FILE_LEN`], or a module without WebAssembly's magic
    /// number.
    pub fn load(dir: &Path) -> Result<Self, PackageError> {
        let mut files = Vec::with_capacity(PACKAGE_FILES.len());
        for (name, content_type) in PACKAGE_FILES {
            let path = dir.join(name);
            let read = |source| PackageError::Read {
                path: path.clone(),
                source,
            };
            let invalid = |reason| PackageError::Invalid {
                path: path.clone(),
                reason,
            };
            let len = std::fs::metadata(&path).map_err(read)?.len();
            if len > MAX_PACKAGE_FILE_LEN {
                return Err(invalid("it is larger than 16 MiB"));
            }
            let body = std::fs::read(&path).map_err(read)?;
            if name.ends_with(".wasm") && !body.starts_with(b"\0asm") {
                return Err(invalid("it is not a WebAssembly module"));
            }
            if name.ends_with(".js") && std::str::from_utf8(&body).is_err() {
                return Err(invalid("it is not UTF-8 text"));
            }
            files.push((name, content_type, Bytes::from(body)));
        }
        Ok(Package { files })
    }

    /// The file `name` (one of [`PACKAGE_FILES`]): its `Content-Type` and
    /// its contents.
    pub fn file(&self, name: &str) -> Option<(&'static str, Bytes)> {
        self.files
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, content_type, body)| (*content_type, body.clone()))
    }
}

/// The page's link for the request at `request_uri`: `{public_url}/wallet`
/// with the request URI, percent-encoded, in the fragment, which browsers
/// never send to a server.
pub fn link(public_url: &str, request_uri: &str) -> String {
    let mut out = format!("{public_url}{PAGE_PATH}#request_uri=");
    for b in request_uri.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_files_and_the_package() {
        let page = asset("/wallet").unwrap();
        assert!(page.content_type.starts_with("text/html"));
        for needle in [
            "src=\"wallet/wallet.js\"",
            "type=\"module\"",
            "href=\"wallet/wallet.css\"",
            "aria-live",
        ] {
            assert!(page.body.contains(needle), "{needle}");
        }
        let script = asset("/wallet/wallet.js").unwrap().body;
        assert!(script.contains("from './pkg/credence_wasm.js'"));
        assert!(script.contains("localStorage"));
        for a in ASSETS {
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
            assert!(!a.body.contains("innerHTML"), "{}", a.path);
        }
        assert!(asset("/wallet/other.js").is_none());
    }

    #[test]
    fn the_csp_allows_webassembly_and_nothing_else_unsafe() {
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'self'"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert_eq!(CONTENT_SECURITY_POLICY.matches("unsafe").count(), 1);
        assert!(CONTENT_SECURITY_POLICY.contains("connect-src 'self';"));
        assert!(!crate::desk::CONTENT_SECURITY_POLICY.contains("wasm"));
    }

    #[test]
    fn the_link_carries_the_request_uri_in_its_fragment() {
        assert_eq!(
            link(
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/v1/requests/Ab-_9"
            ),
            "http://127.0.0.1:8080/wallet#request_uri=\
             http%3A%2F%2F127.0.0.1%3A8080%2Fv1%2Frequests%2FAb-_9"
        );
    }

    #[test]
    fn a_missing_or_foreign_package_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Package::load(dir.path()),
            Err(PackageError::Read { .. })
        ));
        std::fs::write(dir.path().join("credence_wasm.js"), "export default 1;").unwrap();
        std::fs::write(dir.path().join("credence_wasm_bg.wasm"), "not wasm").unwrap();
        let e = Package::load(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not a WebAssembly module"), "{e}");
        std::fs::write(dir.path().join("credence_wasm_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        let p = Package::load(dir.path()).unwrap();
        let (content_type, body) = p.file("credence_wasm_bg.wasm").unwrap();
        assert_eq!(content_type, "application/wasm");
        assert_eq!(&body[..4], b"\0asm");
        assert!(p.file("package.json").is_none());
    }
}
