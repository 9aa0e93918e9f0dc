//! Sites: their keys, the origins allowed to send for them, their tip config and rate limit.
//!
//! Read once at start from a small JSON file (`--sites FILE`), or the built-in demo site:
//! ```json
//! {"sites": [{"key": "demo",
//!             "origins": ["http://localhost:*", "https://app.example.com"],
//!             "config": "unstuck.config.json",
//!             "rate_limit": {"per_second": 50, "burst": 200}}]}
//! ```
//! An origin pattern is `*` (any), `scheme://host:*` (any port, or none), or an exact origin.
//! `config` is relative to the sites file. `rate_limit` is per site and client IP; `null`
//! turns it off.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The sites file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SitesFile {
    sites: Vec<SiteEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteEntry {
    key: String,
    origins: Vec<String>,
    config: Option<PathBuf>,
    #[serde(default = "default_rate")]
    rate_limit: Option<Rate>,
}

/// A token bucket's parameters.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Requests per second refilled.
    pub per_second: f64,
    /// The most requests in one burst.
    pub burst: f64,
}

fn default_rate() -> Option<Rate> {
    Some(Rate {
        per_second: 50.0,
        burst: 200.0,
    })
}

/// One allowed origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginPattern {
    /// Any origin.
    Any,
    /// `scheme://host` on any port (or the default one).
    AnyPort {
        /// `http` or `https`.
        scheme: String,
        /// The host, lowercase.
        host: String,
    },
    /// Exactly this origin.
    Exact(String),
}

impl OriginPattern {
    /// Reads a pattern.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "*" {
            return Ok(Self::Any);
        }
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| format!("origin {s:?}: expected scheme://host[:port]"))?;
        if rest.is_empty() || rest.contains('/') {
            return Err(format!("origin {s:?}: expected scheme://host[:port]"));
        }
        match rest.strip_suffix(":*") {
            Some(host) => Ok(Self::AnyPort {
                scheme: scheme.to_ascii_lowercase(),
                host: host.to_ascii_lowercase(),
            }),
            None => Ok(Self::Exact(s.to_ascii_lowercase())),
        }
    }

    /// Whether `origin` (an `Origin` header value) matches.
    pub fn matches(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        match self {
            Self::Any => true,
            Self::Exact(o) => *o == origin,
            Self::AnyPort { scheme, host } => {
                let Some(rest) = origin
                    .strip_prefix(scheme.as_str())
                    .and_then(|r| r.strip_prefix("://"))
                else {
                    return false;
                };
                let Some(after) = rest.strip_prefix(host.as_str()) else {
                    return false;
                };
                after.is_empty()
                    || after
                        .strip_prefix(':')
                        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            }
        }
    }
}

/// A site's tip config, read and validated at start.
#[derive(Clone, Debug)]
pub enum SiteConfig {
    /// Valid: the file's bytes and their strong ETag.
    Ready {
        /// The JSON as written in the file.
        body: String,
        /// `"<hash>"`.
        etag: String,
    },
    /// Missing or invalid: why (answered with 404).
    Unavailable(String),
}

/// One site.
#[derive(Clone, Debug)]
pub struct Site {
    /// The key the SDK sends as `site`.
    pub key: String,
    /// Allowed origins.
    pub origins: Vec<OriginPattern>,
    /// Its tip config.
    pub config: SiteConfig,
    /// Its rate limit per client IP; `None` = unlimited.
    pub rate_limit: Option<Rate>,
}

impl Site {
    /// Whether a browser at `origin` may send for this site.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|p| p.matches(origin))
    }
}

/// All sites.
#[derive(Clone, Debug)]
pub struct Sites(Vec<Site>);

impl Sites {
    /// The built-in set: the demo site, any origin on localhost, config `<www>/unstuck.config.json`.
    /// A missing or invalid config does not stop the server: the demo works without tips
    /// from the server, and `/v1/config/demo` says why.
    pub fn demo(www: &Path) -> Self {
        let origins = [
            "http://localhost:*",
            "http://127.0.0.1:*",
            "http://[::1]:*",
            "https://localhost:*",
            "https://127.0.0.1:*",
        ]
        .iter()
        .map(|o| OriginPattern::parse(o).expect("built-in patterns parse"))
        .collect();
        let config = load_config("demo", &www.join("unstuck.config.json"));
        if let SiteConfig::Unavailable(why) = &config {
            tracing::warn!(site = "demo", "{why}");
        }
        Self(vec![Site {
            key: "demo".into(),
            origins,
            config,
            rate_limit: default_rate(),
        }])
    }

    /// Reads a sites file. Any problem (including a site's missing or invalid config) is an
    /// error: a file written on purpose should be right.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_json(&text, path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads a sites document; config paths are relative to `dir`.
    pub fn from_json(text: &str, dir: &Path) -> Result<Self, String> {
        let file: SitesFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut sites: Vec<Site> = Vec::with_capacity(file.sites.len());
        for (i, entry) in file.sites.into_iter().enumerate() {
            if entry.key.is_empty() {
                return Err(format!("sites[{i}].key: empty"));
            }
            if sites.iter().any(|s| s.key == entry.key) {
                return Err(format!("sites[{i}].key: {:?} appears twice", entry.key));
            }
            let origins = entry
                .origins
                .iter()
                .map(|o| OriginPattern::parse(o))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("sites[{i}].origins: {e}"))?;
            let config = match &entry.config {
                Some(p) => match load_config(&entry.key, &dir.join(p)) {
                    SiteConfig::Unavailable(why) => {
                        return Err(format!("sites[{i}].config: {why}"))
                    }
                    ready => ready,
                },
                None => SiteConfig::Unavailable(format!("site {} has no config", entry.key)),
            };
            if let Some(r) = entry.rate_limit {
                if !(r.per_second > 0.0 && r.burst >= 1.0) {
                    return Err(format!(
                        "sites[{i}].rate_limit: per_second must be > 0 and burst >= 1"
                    ));
                }
            }
            sites.push(Site {
                key: entry.key,
                origins,
                config,
                rate_limit: entry.rate_limit,
            });
        }
        Ok(Self(sites))
    }

    /// The site with this key.
    pub fn get(&self, key: &str) -> Option<&Site> {
        self.0.iter().find(|s| s.key == key)
    }

    /// Whether any site allows `origin` (for preflights and errors, before the site is known).
    pub fn any_allows(&self, origin: &str) -> bool {
        self.0.iter().any(|s| s.allows(origin))
    }
}

/// Reads and validates a config file with the same reader the SDK uses.
fn load_config(site: &str, path: &Path) -> SiteConfig {
    let body = match std::fs::read_to_string(path) {
        Ok(b) => b,
        Err(e) => {
            return SiteConfig::Unavailable(format!(
                "no config for site {site}: cannot read {}: {e}",
                path.display()
            ))
        }
    };
    match unstuck::core::config::json::from_str(&body) {
        Ok(_) => SiteConfig::Ready {
            etag: etag(body.as_bytes()),
            body,
        },
        Err(errors) => SiteConfig::Unavailable(format!(
            "config for site {site} ({}) is invalid: {}",
            path.display(),
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// A strong ETag: FNV-1a 64 of the bytes plus their length (stable across builds and runs).
fn etag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{h:016x}-{:x}\"", bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_port_patterns_match_only_their_host() {
        let p = OriginPattern::parse("http://localhost:*").unwrap();
        assert!(p.matches("http://localhost:8787"));
        assert!(p.matches("http://localhost"));
        assert!(!p.matches("http://localhost.evil.com"));
        assert!(!p.matches("http://localhost:80x"));
        assert!(!p.matches("https://localhost:1"));
        assert!(!p.matches("null"));
    }

    #[test]
    fn sites_file_errors_name_the_place() {
        let e = Sites::from_json(
            r#"{"sites":[{"key":"a","origins":["nope"]}]}"#,
            Path::new("."),
        )
        .unwrap_err();
        assert!(e.starts_with("sites[0].origins"), "{e}");
        let e = Sites::from_json(
            r#"{"sites":[{"key":"a","origins":[],"bogus":1}]}"#,
            Path::new("."),
        )
        .unwrap_err();
        assert!(e.contains("bogus"), "{e}");
    }
}
