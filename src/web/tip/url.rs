//! Which link targets a tip may render: http(s) and relative URLs only.
//!
//! Config validation checks this too, but config strings are hostile and the renderer is the
//! last line, so it checks again, the way the WHATWG URL parser reads a scheme.

/// Whether `href` is an http(s) URL or a relative one (no other scheme, e.g. `javascript:`).
pub(crate) fn safe_href(href: &str) -> bool {
    // The URL parser strips leading/trailing C0 controls and spaces, and drops tabs and
    // newlines anywhere (`java\nscript:` is `javascript:`): refuse any control character.
    let href = href.trim_matches(|c: char| c <= ' ');
    if href.is_empty() || href.chars().any(|c| c.is_control()) {
        return false;
    }
    // A scheme is an ASCII letter, then letters, digits, `+`, `-`, `.`, up to the first `:`.
    // Anything else (`/x`, `?q`, `#f`, `./a:b`, `//host`) is relative to the page's own URL.
    let b = href.as_bytes();
    if !b[0].is_ascii_alphabetic() {
        return true;
    }
    match b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
    {
        // Bytes, not `&str` slicing: no char-boundary panic path in the wasm.
        Some(i) if b[i] == b':' => {
            let scheme = &b[..i];
            scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"https")
        }
        _ => true,
    }
}
