//! Pure rules the browser shell applies to what it reads from the page, kept here so they are
//! tested natively: message masking, URL patterns for steps, and the blocked-advance code.

use crate::prelude::*;

/// Longest message kept, in characters; longer text is cut (error banners can hold whole pages).
pub const MAX_MESSAGE_CHARS: usize = 200;

/// Normalises and masks a user-visible message before it reaches the engine: collapses
/// whitespace, replaces emails with `<email>`, token-like words (keys, ids) with `<token>`
/// and runs of 5+ digits with `<number>`, and cuts it to [`MAX_MESSAGE_CHARS`].
/// Returns `None` when nothing is left.
pub fn mask_message(text: &str) -> Option<String> {
    // Byte loops over ASCII delimiters (whitespace, punctuation, digits, `@`, `.`): every cut
    // falls next to an ASCII byte, so on a char boundary. `str` searching and trimming with
    // patterns cost far more wasm than these loops.
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        mask_word(text.get(start..i).unwrap_or(""), &mut out);
        if char_start(&out, MAX_MESSAGE_CHARS - 1).is_some() {
            break;
        }
    }
    if out.is_empty() {
        return None;
    }
    if let Some(i) = char_start(&out, MAX_MESSAGE_CHARS) {
        out.truncate(i);
    }
    Some(out)
}

/// The byte offset where character `n` (from 0) of `s` starts, if it has that many.
fn char_start(s: &str, n: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        // Every byte but a UTF-8 continuation byte starts a character.
        if b & 0xc0 != 0x80 {
            if seen == n {
                return Some(i);
            }
            seen += 1;
        }
    }
    None
}

fn is_punct(c: u8) -> bool {
    matches!(
        c,
        b'.' | b','
            | b';'
            | b':'
            | b'!'
            | b'?'
            | b'"'
            | b'\''
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
    )
}

fn mask_word(word: &str, out: &mut String) {
    let w = word.as_bytes();
    let mut start = 0;
    while start < w.len() && is_punct(w[start]) {
        start += 1;
    }
    let mut end = w.len();
    while end > start && is_punct(w[end - 1]) {
        end -= 1;
    }
    let (Some(lead), Some(core), Some(tail)) =
        (word.get(..start), word.get(start..end), word.get(end..))
    else {
        out.push_str(word);
        return;
    };
    out.push_str(lead);
    if is_email(core.as_bytes()) {
        out.push_str("<email>");
    } else if is_token(core.as_bytes()) {
        out.push_str("<token>");
    } else {
        mask_digits(core, out);
    }
    out.push_str(tail);
}

fn is_email(s: &[u8]) -> bool {
    match s.iter().position(|&b| b == b'@') {
        Some(at) => at > 0 && s.get(at + 1..).is_some_and(|d| d.contains(&b'.')),
        None => false,
    }
}

/// Long words mixing letters and digits (API keys, session ids, JWT parts).
fn is_token(s: &[u8]) -> bool {
    s.len() >= 16
        && s.iter().any(|b| b.is_ascii_digit())
        && s.iter().any(|b| b.is_ascii_alphabetic())
        && s.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+' | b'/' | b'=')
        })
}

/// Copies `s`, with runs of 5+ ASCII digits as `<number>`.
fn mask_digits(s: &str, out: &mut String) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let digits = b[i].is_ascii_digit();
        while i < b.len() && b[i].is_ascii_digit() == digits {
            i += 1;
        }
        if digits && i - start >= 5 {
            out.push_str("<number>");
        } else {
            out.push_str(s.get(start..i).unwrap_or(""));
        }
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (also none) and
/// everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // Position of the last `*` and the text position it was tried at, for backtracking.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Whether a step's `url` pattern matches the page location. A pattern with `://` is matched
/// against the whole `href`; otherwise against the path, the path with its query, the path with
/// query and hash, or the hash alone (so `/onboarding/profile`, `/signup?step=2` and
/// `#/profile` all work). `*` is a wildcard.
pub fn url_matches(pattern: &str, href: &str, path: &str, search: &str, hash: &str) -> bool {
    if pattern.as_bytes().windows(3).any(|w| w == b"://") {
        return glob(pattern, href);
    }
    let with_search = [path, search].concat();
    glob(pattern, path)
        || glob(pattern, &with_search)
        || glob(pattern, &[&with_search, hash].concat())
        || (!hash.is_empty() && glob(pattern, hash))
}

/// The error code of a blocked advance (a click on "next" after which the step did not change):
/// `blocked:` + step + the sorted, de-duplicated names of the fields marked invalid, so two
/// identical blocked attempts have the same code and fire `repeated_error`.
pub fn blocked_code(step: &str, mut invalid_fields: Vec<String>) -> String {
    // Insertion sort: a handful of names, and no generic sort code in the wasm.
    for i in 1..invalid_fields.len() {
        let mut j = i;
        while j > 0 && invalid_fields[j - 1] > invalid_fields[j] {
            invalid_fields.swap(j - 1, j);
            j -= 1;
        }
    }
    invalid_fields.dedup();
    let mut code = String::from("blocked:");
    code.push_str(step);
    if !invalid_fields.is_empty() {
        code.push(':');
        code.push_str(&invalid_fields.join(","));
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first, `str`-pattern implementation, kept to check the byte loops against (by the
    /// proptests, which run natively only).
    #[cfg(not(target_arch = "wasm32"))]
    mod reference {
        use super::super::MAX_MESSAGE_CHARS;

        pub fn mask_message_reference(text: &str) -> Option<String> {
            let mut out = String::new();
            for word in text.split_ascii_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                mask_word(word, &mut out);
                if out.chars().count() >= MAX_MESSAGE_CHARS {
                    break;
                }
            }
            if out.is_empty() {
                return None;
            }
            if let Some((i, _)) = out.char_indices().nth(MAX_MESSAGE_CHARS) {
                out.truncate(i);
            }
            Some(out)
        }

        fn is_punct(c: char) -> bool {
            matches!(
                c,
                '.' | ','
                    | ';'
                    | ':'
                    | '!'
                    | '?'
                    | '"'
                    | '\''
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '<'
                    | '>'
            )
        }

        fn mask_word(word: &str, out: &mut String) {
            // Checked slicing (`get`) only: a panicking slice pulls the formatting machinery into
            // the wasm. `start`/`end` are char boundaries, as trimmed ASCII punctuation is one byte.
            let core = word.trim_matches(is_punct);
            let start = word.len() - word.trim_start_matches(is_punct).len();
            let end = start + core.len();
            let (Some(lead), Some(tail)) = (word.get(..start), word.get(end..)) else {
                out.push_str(word);
                return;
            };
            out.push_str(lead);
            if is_email(core) {
                out.push_str("<email>");
            } else if is_token(core) {
                out.push_str("<token>");
            } else {
                mask_digits(core, out);
            }
            out.push_str(tail);
        }

        fn is_email(s: &str) -> bool {
            match s.find('@') {
                Some(at) => at > 0 && s.get(at + 1..).is_some_and(|d| d.contains('.')),
                None => false,
            }
        }

        /// Long words mixing letters and digits (API keys, session ids, JWT parts).
        fn is_token(s: &str) -> bool {
            s.len() >= 16
                && s.bytes().any(|b| b.is_ascii_digit())
                && s.bytes().any(|b| b.is_ascii_alphabetic())
                && s.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'_' | b'.' | b'+' | b'/' | b'=')
                })
        }

        fn mask_digits(s: &str, out: &mut String) {
            let mut run = String::new();
            for c in s.chars() {
                if c.is_ascii_digit() {
                    run.push(c);
                    continue;
                }
                flush_digits(&mut run, out);
                out.push(c);
            }
            flush_digits(&mut run, out);
        }

        fn flush_digits(run: &mut String, out: &mut String) {
            if run.len() >= 5 {
                out.push_str("<number>");
            } else {
                out.push_str(run);
            }
            run.clear();
        }
    }

    #[test]
    fn masks_emails_digits_and_tokens() {
        assert_eq!(
            mask_message("  Email  bob.smith@example.com is taken.\n").as_deref(),
            Some("Email <email> is taken.")
        );
        assert_eq!(
            mask_message("Card 4242424242424242 declined (code 402)").as_deref(),
            Some("Card <number> declined (code 402)")
        );
        assert_eq!(
            mask_message("Key sk_live_51HxYz09abcDEF1234 rejected").as_deref(),
            Some("Key <token> rejected")
        );
        assert_eq!(
            mask_message("Order #123456789: failed").as_deref(),
            Some("Order #<number>: failed")
        );
        // Short words and plain long words stay.
        assert_eq!(
            mask_message("Internationalization required").as_deref(),
            Some("Internationalization required")
        );
        assert_eq!(mask_message(" \n\t"), None);
        assert_eq!(mask_message("@ alone").as_deref(), Some("@ alone"));
    }

    #[test]
    fn cuts_long_messages_on_a_char_boundary() {
        let long = "é".repeat(500);
        let m = mask_message(&long).unwrap();
        assert_eq!(m.chars().count(), MAX_MESSAGE_CHARS);
        let words = "word ".repeat(300);
        assert_eq!(
            mask_message(&words).unwrap().chars().count(),
            MAX_MESSAGE_CHARS
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The byte loops give what the `str`-pattern version gave, on any text (ASCII
        /// punctuation, digits, `@`, whitespace kinds and multi-byte characters mixed in).
        #[test]
        fn same_as_the_reference(
            text in "([ \\t\\n\\r\\x0c\\u{a0}.,;:!?\"'()\\[\\]{}<>@+/=_-]|[0-9]{1,7}|[a-zA-Z]{1,20}|[é€😀]|[a-f0-9]{16,20}){0,80}"
        ) {
            proptest::prop_assert_eq!(mask_message(&text), reference::mask_message_reference(&text));
        }

        #[test]
        fn same_as_the_reference_on_any_string(text in ".{0,300}") {
            proptest::prop_assert_eq!(mask_message(&text), reference::mask_message_reference(&text));
        }
    }

    #[test]
    fn glob_matches_wildcards() {
        assert!(glob("/onboarding/*", "/onboarding/profile"));
        assert!(glob("*", ""));
        assert!(glob("/a*c*e", "/abcde"));
        assert!(!glob("/a*c*e", "/abcdf"));
        assert!(!glob("/onboarding", "/onboarding/x"));
        assert!(glob("*/profile", "/x/y/profile"));
        assert!(!glob("", "x"));
    }

    #[test]
    fn url_patterns_match_path_query_or_hash() {
        let m = |p| {
            url_matches(
                p,
                "https://a.test/s?step=2#/team",
                "/s",
                "?step=2",
                "#/team",
            )
        };
        assert!(m("/s"));
        assert!(m("/s?step=2"));
        assert!(m("/s?step=2#/team"));
        assert!(m("#/team"));
        assert!(m("#/t*"));
        assert!(m("https://a.test/*"));
        assert!(!m("/s?step=3"));
        assert!(!m("#/profile"));
        assert!(!m("http://a.test/*"));
    }

    #[test]
    fn blocked_codes_are_stable_for_the_same_fields() {
        let a = blocked_code(
            "profile",
            vec!["name".into(), "email".into(), "name".into()],
        );
        let b = blocked_code("profile", vec!["email".into(), "name".into()]);
        assert_eq!(a, "blocked:profile:email,name");
        assert_eq!(a, b);
        assert_eq!(blocked_code("team", vec![]), "blocked:team");
        assert_ne!(
            blocked_code("team", vec![]),
            blocked_code("profile", vec![])
        );
    }
}
