//! The service's configuration: a TOML file, overridden key by key by
//! environment variables `CREDENCE_VERIFIER_<KEY>` (the key in upper case),
//! validated once at start.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use credence::verifier::{DEFAULT_LIFETIME, DEFAULT_MAX_FAILURES, MAX_FAILURES_CAP};
use credence::RaterDescriptor;
use serde::Deserialize;

use crate::limits::MAX_PRESENTATION_JSON_LEN;
use crate::lists::ListSource;

/// The prefix of the environment variables that override the file.
pub const ENV_PREFIX: &str = "CREDENCE_VERIFIER_";

/// The environment variable that names the configuration file when
/// `--config` does not.
pub const CONFIG_ENV: &str = "CREDENCE_VERIFIER_CONFIG";

/// The longest a backend may long-poll a transaction.
pub const MAX_WAIT_CAP: Duration = Duration::from_secs(300);

/// Bytes of the shortest bearer token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// A secret string (the bearer token): never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `s`.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The secret as text.
    pub fn expose_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Where the service keeps its requests and transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite://<path>`: one SQLite file (`sqlite:///var/lib/x.sqlite` for
    /// an absolute path).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`: a PostgreSQL server that several
    /// instances may share (the URL is kept as given; it may hold a password
    /// and is never printed).
    Postgres(Secret),
}

impl StoreUrl {
    /// Parses a store URL.
    ///
    /// # Errors
    /// A message when the scheme is not `sqlite://`, `postgres://` or
    /// `postgresql://`, or the SQLite path is empty.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("a sqlite:// store URL needs a file path".into());
            }
            Ok(StoreUrl::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(StoreUrl::Postgres(Secret::new(s)))
        } else {
            Err("the store URL must start with sqlite:// or postgres://".into())
        }
    }
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The URL under which wallets reach the service, without a trailing
    /// slash: request and response URIs are built from it.
    pub public_url: String,
    /// The store.
    pub store: StoreUrl,
    /// The verifier backend's bearer token.
    pub token: Secret,
    /// The verifier's id (spec §5.1), named in every request.
    pub verifier_id: String,
    /// The raters the verifier trusts.
    pub trusted: Vec<RaterDescriptor>,
    /// A request's lifetime unless its creation says otherwise.
    pub lifetime: Duration,
    /// The longest lifetime a creation may ask for.
    pub max_lifetime: Duration,
    /// Rejected presentations a request takes before it is closed.
    pub max_failures: u32,
    /// How long the batcher waits for more presentations after the first.
    pub batch_window: Duration,
    /// The most presentations verified in one batch (1: no batching).
    pub batch_size: usize,
    /// How many presentations may wait for the batcher before posts are
    /// refused as busy.
    pub queue: usize,
    /// Batches verified at the same time.
    pub batch_concurrency: usize,
    /// Wallet requests per second and per peer IP address, replenished
    /// evenly.
    pub rate_limit_per_second: u32,
    /// Wallet requests a peer may make at once before the rate applies.
    pub rate_limit_burst: u32,
    /// The largest presentation body accepted, in bytes.
    pub body_limit: usize,
    /// How long an expired request (and its verdict) is kept before it is
    /// purged.
    pub purge_retention: Duration,
    /// How often the janitor purges.
    pub purge_interval: Duration,
    /// The longest a backend's long poll waits.
    pub max_wait: Duration,
    /// How long a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// The directory of the WebAssembly package's web build that the
    /// wallet page (`/wallet`) loads. `None`:
    /// [`DEFAULT_PKG_DIR`](crate::wallet_page::DEFAULT_PKG_DIR) when it
    /// holds the package, else the wallet page answers 503. A directory
    /// named here must hold it, or the service does not start.
    pub wallet_pkg: Option<PathBuf>,
    /// The trusted raters' epoch lists (`rater publish-list` writes them),
    /// for requests that ask for the anonymous mode: files, or `http(s)://`
    /// URLs. Read at start; a file again whenever it changes, a URL every
    /// [`Config::list_refresh`] (sooner once its list's epoch is over).
    pub lists: Vec<ListSource>,
    /// How often a list URL is fetched again (conditionally, with the
    /// validators the server gave).
    pub list_refresh: Duration,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file cannot be read.
    #[error("cannot read the configuration file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has unknown keys or
    /// values of the wrong type.
    #[error("configuration: {0}")]
    Syntax(String),
    /// An environment variable cannot be read as the type of its key.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A key is missing or its value is unusable.
    #[error("configuration key `{key}`: {message}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

/// The file's keys, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    listen: Option<String>,
    public_url: Option<String>,
    store: Option<String>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    verifier_id: Option<String>,
    trusted_raters: Option<Vec<PathBuf>>,
    lifetime_seconds: Option<u64>,
    max_lifetime_seconds: Option<u64>,
    max_failures: Option<u32>,
    batch_window_ms: Option<u64>,
    batch_size: Option<usize>,
    queue: Option<usize>,
    batch_concurrency: Option<usize>,
    rate_limit_per_second: Option<u32>,
    rate_limit_burst: Option<u32>,
    body_limit_bytes: Option<usize>,
    purge_retention_seconds: Option<u64>,
    purge_interval_seconds: Option<u64>,
    max_wait_seconds: Option<u64>,
    request_timeout_seconds: Option<u64>,
    wallet_pkg: Option<PathBuf>,
    lists: Option<Vec<String>>,
    lists_refresh_seconds: Option<u64>,
}

/// How an environment variable's value is read.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    /// Comma-separated paths.
    List,
}

/// Every key, with how its environment variable is read.
const KEYS: [(&str, Kind); 24] = [
    ("listen", Kind::Str),
    ("public_url", Kind::Str),
    ("store", Kind::Str),
    ("token", Kind::Str),
    ("token_file", Kind::Str),
    ("verifier_id", Kind::Str),
    ("trusted_raters", Kind::List),
    ("lifetime_seconds", Kind::Int),
    ("max_lifetime_seconds", Kind::Int),
    ("max_failures", Kind::Int),
    ("batch_window_ms", Kind::Int),
    ("batch_size", Kind::Int),
    ("queue", Kind::Int),
    ("batch_concurrency", Kind::Int),
    ("rate_limit_per_second", Kind::Int),
    ("rate_limit_burst", Kind::Int),
    ("body_limit_bytes", Kind::Int),
    ("purge_retention_seconds", Kind::Int),
    ("purge_interval_seconds", Kind::Int),
    ("max_wait_seconds", Kind::Int),
    ("request_timeout_seconds", Kind::Int),
    ("wallet_pkg", Kind::Str),
    ("lists", Kind::List),
    ("lists_refresh_seconds", Kind::Int),
];

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default store.
pub const DEFAULT_STORE: &str = "sqlite://credence-verifier.sqlite";

/// Reads a rater descriptor file: one descriptor, or a trust list (an array
/// of them), as the `credence` tool writes them (spec/wallet.md §4).
fn read_descriptors(path: &Path) -> Result<Vec<RaterDescriptor>, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| {
        invalid(
            "trusted_raters",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let bad = |e: serde_json::Error| {
        invalid(
            "trusted_raters",
            format!(
                "{} is not a rater descriptor or a trust list: {e}",
                path.display()
            ),
        )
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes).map_err(bad)? {
        serde_json::Value::Array(_) => serde_json::from_slice(&bytes).map_err(bad),
        _ => serde_json::from_slice(&bytes).map(|d| vec![d]).map_err(bad),
    }
}

impl Config {
    /// A configuration with every default, for a verifier `verifier_id`
    /// trusting `trusted`, with the bearer token `token` and the store
    /// `store`.
    pub fn new(
        verifier_id: &str,
        token: Secret,
        trusted: Vec<RaterDescriptor>,
        store: StoreUrl,
    ) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            store,
            token,
            verifier_id: verifier_id.into(),
            trusted,
            lifetime: DEFAULT_LIFETIME,
            max_lifetime: Duration::from_secs(3600),
            max_failures: DEFAULT_MAX_FAILURES,
            batch_window: Duration::from_millis(2),
            batch_size: 64,
            queue: 1024,
            batch_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            rate_limit_per_second: 20,
            rate_limit_burst: 40,
            body_limit: MAX_PRESENTATION_JSON_LEN,
            purge_retention: Duration::from_secs(86_400),
            purge_interval: Duration::from_secs(60),
            max_wait: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            wallet_pkg: None,
            lists: Vec::new(),
            list_refresh: Duration::from_secs(300),
        }
    }

    /// Loads the configuration: the file at `path` (if any), overridden by
    /// the `CREDENCE_VERIFIER_*` variables among `env`, then validated
    /// (descriptor and token files are read).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the file, variable or key at fault.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.to_owned(),
                source,
            })?,
            None => String::new(),
        };
        Self::from_toml(&text, env)
    }

    /// [`Config::load`] from the file's text.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn from_toml(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
        for (var, value) in env {
            let Some(key) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if key == "CONFIG" {
                continue;
            }
            let Some(&(name, kind)) = KEYS.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) else {
                return Err(ConfigError::Env {
                    var,
                    message: "not a configuration key".into(),
                });
            };
            let value = match kind {
                Kind::Str => toml::Value::String(value),
                Kind::Int => match value.trim().parse::<i64>() {
                    Ok(n) => toml::Value::Integer(n),
                    Err(_) => {
                        return Err(ConfigError::Env {
                            var,
                            message: "not an integer".into(),
                        })
                    }
                },
                Kind::List => toml::Value::Array(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.into()))
                        .collect(),
                ),
            };
            table.insert(name.into(), value);
        }
        let raw: Raw = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Syntax(e.to_string()))?;
        Self::validate(raw)
    }

    fn validate(raw: Raw) -> Result<Self, ConfigError> {
        let secs = Duration::from_secs;
        let listen: SocketAddr = raw
            .listen
            .as_deref()
            .unwrap_or(DEFAULT_LISTEN)
            .parse()
            .map_err(|_| invalid("listen", "not an address such as 127.0.0.1:8080"))?;
        let public_url = match raw.public_url {
            Some(u) => u,
            None => format!("http://{listen}"),
        };
        let public_url = public_url.trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
            || public_url.contains(['?', '#', ' '])
            || public_url.len() > 1024
        {
            return Err(invalid(
                "public_url",
                "must be an http:// or https:// URL without query or fragment",
            ));
        }
        let store = StoreUrl::parse(raw.store.as_deref().unwrap_or(DEFAULT_STORE))
            .map_err(|m| invalid("store", m))?;
        let token = match (raw.token, raw.token_file) {
            (Some(_), Some(_)) => {
                return Err(invalid("token", "set either token or token_file, not both"))
            }
            (Some(t), None) => t,
            (None, Some(p)) => std::fs::read_to_string(&p)
                .map_err(|e| invalid("token_file", format!("cannot read {}: {e}", p.display())))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
            (None, None) => return Err(invalid("token", "a bearer token is required")),
        };
        if token.len() < MIN_TOKEN_LEN || token.len() > 4096 {
            return Err(invalid(
                "token",
                format!("must be {MIN_TOKEN_LEN} to 4096 bytes long"),
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid("token", "must be printable ASCII without spaces"));
        }
        let verifier_id = raw
            .verifier_id
            .ok_or_else(|| invalid("verifier_id", "the verifier's id is required"))?;
        let paths = raw.trusted_raters.unwrap_or_default();
        if paths.is_empty() {
            return Err(invalid(
                "trusted_raters",
                "at least one rater descriptor file is required",
            ));
        }
        let mut trusted = Vec::new();
        for p in &paths {
            trusted.extend(read_descriptors(p)?);
        }
        RaterDescriptor::trusted_raters(&trusted)
            .map_err(|e| invalid("trusted_raters", e.to_string()))?;

        let defaults = Config::new(&verifier_id, Secret::new(""), Vec::new(), store.clone());
        let max_lifetime = raw.max_lifetime_seconds.map_or(defaults.max_lifetime, secs);
        if max_lifetime.is_zero() || max_lifetime > secs(30 * 86_400) {
            return Err(invalid("max_lifetime_seconds", "must be 1 to 2592000"));
        }
        let lifetime = raw.lifetime_seconds.map_or(defaults.lifetime, secs);
        if lifetime.is_zero() || lifetime > max_lifetime {
            return Err(invalid(
                "lifetime_seconds",
                "must be at least 1 and at most max_lifetime_seconds",
            ));
        }
        let max_failures = raw.max_failures.unwrap_or(defaults.max_failures);
        if max_failures > MAX_FAILURES_CAP {
            return Err(invalid(
                "max_failures",
                format!("must be at most {MAX_FAILURES_CAP}"),
            ));
        }
        let batch_window = raw
            .batch_window_ms
            .map_or(defaults.batch_window, Duration::from_millis);
        if batch_window > Duration::from_secs(1) {
            return Err(invalid("batch_window_ms", "must be at most 1000"));
        }
        let range = |key: &'static str, v: Option<usize>, default: usize, max: usize| {
            let v = v.unwrap_or(default);
            if v == 0 || v > max {
                Err(invalid(key, format!("must be 1 to {max}")))
            } else {
                Ok(v)
            }
        };
        let batch_size = range("batch_size", raw.batch_size, defaults.batch_size, 1024)?;
        let queue = range("queue", raw.queue, defaults.queue, 1 << 16)?;
        let batch_concurrency = range(
            "batch_concurrency",
            raw.batch_concurrency,
            defaults.batch_concurrency,
            256,
        )?;
        let rate_limit_per_second = range(
            "rate_limit_per_second",
            raw.rate_limit_per_second.map(|v| v as usize),
            defaults.rate_limit_per_second as usize,
            1_000_000,
        )? as u32;
        let rate_limit_burst = range(
            "rate_limit_burst",
            raw.rate_limit_burst.map(|v| v as usize),
            defaults.rate_limit_burst as usize,
            1_000_000,
        )? as u32;
        let body_limit = raw.body_limit_bytes.unwrap_or(defaults.body_limit);
        if !(1024..=credence_object_len()).contains(&body_limit) {
            return Err(invalid(
                "body_limit_bytes",
                format!("must be 1024 to {}", credence_object_len()),
            ));
        }
        let purge_retention = raw
            .purge_retention_seconds
            .map_or(defaults.purge_retention, secs);
        if purge_retention > secs(366 * 86_400) {
            return Err(invalid(
                "purge_retention_seconds",
                "must be at most 31622400",
            ));
        }
        let purge_interval = raw
            .purge_interval_seconds
            .map_or(defaults.purge_interval, secs);
        if purge_interval.is_zero() || purge_interval > secs(86_400) {
            return Err(invalid("purge_interval_seconds", "must be 1 to 86400"));
        }
        let max_wait = raw.max_wait_seconds.map_or(defaults.max_wait, secs);
        if max_wait > MAX_WAIT_CAP {
            return Err(invalid(
                "max_wait_seconds",
                format!("must be at most {}", MAX_WAIT_CAP.as_secs()),
            ));
        }
        let request_timeout = raw
            .request_timeout_seconds
            .map_or(defaults.request_timeout, secs);
        if request_timeout <= max_wait || request_timeout > secs(3600) {
            return Err(invalid(
                "request_timeout_seconds",
                "must be longer than max_wait_seconds and at most 3600",
            ));
        }
        let lists = raw
            .lists
            .unwrap_or_default()
            .iter()
            .map(|entry| ListSource::parse(entry))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("lists", e))?;
        let list_refresh = raw
            .lists_refresh_seconds
            .map_or(defaults.list_refresh, secs);
        if list_refresh.is_zero() || list_refresh > secs(86_400) {
            return Err(invalid("lists_refresh_seconds", "must be 1 to 86400"));
        }
        Ok(Config {
            listen,
            public_url,
            store,
            token: Secret::new(token),
            verifier_id,
            trusted,
            lifetime,
            max_lifetime,
            max_failures,
            batch_window,
            batch_size,
            queue,
            batch_concurrency,
            rate_limit_per_second,
            rate_limit_burst,
            body_limit,
            purge_retention,
            purge_interval,
            max_wait,
            request_timeout,
            wallet_pkg: raw.wallet_pkg,
            lists,
            list_refresh,
        })
    }
}

/// The largest encoded object the library decodes (spec §3.3, `OBJECT_LEN`):
/// a body limit above it admits nothing more.
fn credence_object_len() -> usize {
    crate::limits::OBJECT_LEN + 2
}
