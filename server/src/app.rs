//! The HTTP surface: routes, CORS, limits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::decode::decode;
use crate::ratelimit::RateLimiter;
use crate::sites::{SiteConfig, Sites};
use crate::store::Store;
use crate::MAX_BODY;

/// How long a client has to send its whole body.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The sites.
    pub sites: Sites,
    /// The store.
    pub store: Store,
    /// Rate-limit buckets.
    pub limiter: RateLimiter,
}

/// Where static files come from.
#[derive(Clone, Debug)]
pub struct StaticDirs {
    /// The demo app and anything else served at `/`.
    pub www: PathBuf,
    /// The built SDK, served at `/unstuck/`.
    pub dist: PathBuf,
}

/// The whole application.
pub fn router(state: Arc<AppState>, dirs: &StaticDirs) -> Router {
    // The SDK files are public and fetched cross-origin by host pages (the wasm with fetch()).
    let sdk = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .service(
            ServeDir::new(&dirs.dist)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .route("/v1/events", post(post_events).options(preflight))
        .route("/v1/config/{site}", get(get_config).options(preflight))
        .route("/healthz", get(healthz))
        .nest_service("/unstuck", sdk)
        .fallback_service(ServeDir::new(&dirs.www))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": reason.into() }))).into_response()
}

/// Adds the CORS headers for an allowed origin.
fn allow(mut resp: Response, origin: Option<&HeaderValue>) -> Response {
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("origin"));
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        // Cross-origin fetch() cannot read Retry-After otherwise.
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after, etag"),
        );
    }
    resp
}

fn origin(headers: &HeaderMap) -> Option<(&HeaderValue, &str)> {
    let v = headers.get(header::ORIGIN)?;
    // A non-ASCII Origin cannot match any pattern; treat it as the string "?".
    Some((v, v.to_str().unwrap_or("?")))
}

/// `OPTIONS`: a preflight (only `application/json` bodies and config fetches with custom
/// headers need one; the SDK's `text/plain` beacons do not).
async fn preflight(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match origin(&headers) {
        Some((value, text)) if state.sites.any_allows(text) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, if-none-match"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
            allow(resp, Some(value))
        }
        Some((_, text)) => error(
            StatusCode::FORBIDDEN,
            format!("origin {text} is not allowed"),
        ),
        None => error(
            StatusCode::BAD_REQUEST,
            "a preflight needs an Origin header",
        ),
    }
}

/// Which body types are accepted.
fn acceptable_type(headers: &HeaderMap) -> Result<(), String> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Err("missing content-type: send text/plain or application/json".into());
    };
    let essence = ct
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/plain" | "application/json" => Ok(()),
        _ => Err(format!(
            "unsupported content-type {:?}: send text/plain or application/json",
            ct.to_str().unwrap_or("(not ASCII)")
        )),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `POST /v1/events`.
async fn post_events(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let origin = origin(&headers);
    // Errors found before the site is known carry CORS headers when some site allows the
    // origin, so the SDK can read the reason; a stranger learns nothing.
    let cors_any = origin
        .filter(|(_, o)| state.sites.any_allows(o))
        .map(|(v, _)| v);
    let early = |status, reason: String| allow(error(status, reason), cors_any);

    if let Err(why) = acceptable_type(&headers) {
        return early(StatusCode::UNSUPPORTED_MEDIA_TYPE, why);
    }
    let too_big = || format!("body larger than {MAX_BODY} bytes");
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return early(StatusCode::PAYLOAD_TOO_LARGE, too_big());
    }
    // A client that trickles its body (or stops) must not hold a connection forever.
    let read = tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await;
    let bytes: Bytes = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return early(StatusCode::PAYLOAD_TOO_LARGE, too_big())
        }
        Ok(Err(e)) => {
            return early(
                StatusCode::BAD_REQUEST,
                format!("could not read the body: {e}"),
            )
        }
        Err(_) => {
            return early(
                StatusCode::REQUEST_TIMEOUT,
                format!("body not received within {} s", BODY_TIMEOUT.as_secs()),
            )
        }
    };
    let batch = match decode(&bytes) {
        Ok(b) => b,
        Err(e) => return early(StatusCode::BAD_REQUEST, e.0),
    };
    let Some(site) = state.sites.get(&batch.site) else {
        return early(
            StatusCode::FORBIDDEN,
            format!("unknown site {:?}", batch.site),
        );
    };
    let cors = match origin {
        Some((_, text)) if !site.allows(text) => {
            // No CORS headers: the browser refuses, and the server stores nothing.
            return error(
                StatusCode::FORBIDDEN,
                format!("origin {text} is not allowed for site {}", site.key),
            );
        }
        Some((value, _)) => Some(value),
        None => None,
    };
    if let Some(rate) = site.rate_limit {
        if let Err(wait) = state
            .limiter
            .check(&site.key, peer.ip(), rate, Instant::now())
        {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut resp = error(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit for site {} exceeded; retry in {secs} s",
                    site.key
                ),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return allow(resp, cors);
        }
    }
    let (site_key, session, n, dropped) = (
        batch.site.clone(),
        batch.session.clone(),
        batch.events.len(),
        batch.dropped,
    );
    match state.store.insert(batch, now_ms()).await {
        Ok(o) => {
            tracing::debug!(site = %site_key, %session, events = n, stored = o.stored, duplicates = o.duplicates, dropped, "batch");
            if dropped > 0 {
                tracing::warn!(site = %site_key, %session, dropped, "the SDK reports events lost to its storage bound");
            }
            allow(
                axum::Json(json!({"stored": o.stored, "duplicates": o.duplicates})).into_response(),
                cors,
            )
        }
        Err(e) => {
            tracing::error!(site = %site_key, error = %e, "storing a batch failed");
            // 503: the SDK keeps the batch and retries.
            allow(
                error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage unavailable, retry later",
                ),
                cors,
            )
        }
    }
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks).
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let want = strip(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || strip(t) == want)
}

/// `GET /v1/config/{site}`.
async fn get_config(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(site) = state.sites.get(&key) else {
        return error(StatusCode::NOT_FOUND, format!("unknown site {key:?}"));
    };
    let cors = match origin(&headers) {
        Some((_, text)) if !site.allows(text) => {
            return error(
                StatusCode::FORBIDDEN,
                format!("origin {text} is not allowed for site {}", site.key),
            )
        }
        Some((value, _)) => Some(value),
        None => None,
    };
    let (body, etag) = match &site.config {
        SiteConfig::Ready { body, etag } => (body, etag),
        SiteConfig::Unavailable(why) => {
            return allow(error(StatusCode::NOT_FOUND, why.clone()), cors)
        }
    };
    let etag_value = HeaderValue::from_str(etag).expect("an etag is ASCII");
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60"),
    );
    let resp = if none_match(&headers, etag) {
        (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), cache],
        )
            .into_response()
    } else {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::ETAG, etag_value),
                cache,
            ],
            body.clone(),
        )
            .into_response()
    };
    allow(resp, cors)
}

/// `GET /healthz`: the store answers.
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(json!({"ok": true})).into_response(),
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store unavailable: {e}"),
        ),
    }
}
