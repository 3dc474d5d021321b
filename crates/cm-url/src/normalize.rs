//! String-level normalisation of URL components the `url` crate leaves as written.
//!
//! The `url` crate already lower-cases schemes and special hosts, applies IDNA, removes dot
//! segments and percent-encodes what must be encoded. It deliberately keeps existing escapes
//! as typed, so `%7e`, `%7E` and `~` would be three different URLs. These helpers finish the
//! job (RFC 3986 section 6.2.2): escapes of unreserved characters are decoded, the remaining
//! escapes get upper-case hex digits, and runs of `/` in a path collapse to one.
//!
//! Every helper maps its own output to itself, which is what makes [`crate::normalize`]
//! idempotent.

/// Appends `component` to `out`, decoding `%XX` escapes of unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) and upper-casing the hex digits of all other escapes.
///
/// A `%` not followed by two hex digits becomes `%25`. The `url` crate accepts such a bare `%`
/// and the receiving server can only read it as a literal `%`, so the meaning is unchanged; left
/// bare, it could join with decoded characters into a new escape (`%a%30` → `%a0`), and
/// normalisation would no longer be idempotent.
pub(crate) fn push_percent_normalized(out: &mut String, component: &str) {
    let bytes = component.as_bytes();
    let mut copied_up_to = 0;
    // Jumping from `%` to `%` keeps the usual escape-free component to one scan and one copy.
    while let Some(offset) = bytes[copied_up_to..].iter().position(|&b| b == b'%') {
        let i = copied_up_to + offset;
        out.push_str(&component[copied_up_to..i]);
        if let (Some(&high), Some(&low)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = (hex_value(high), hex_value(low))
        {
            let decoded = h << 4 | l;
            if is_unreserved(decoded) {
                out.push(char::from(decoded));
            } else {
                out.push('%');
                out.push(char::from(high.to_ascii_uppercase()));
                out.push(char::from(low.to_ascii_uppercase()));
            }
            copied_up_to = i + 3;
        } else {
            out.push_str("%25");
            copied_up_to = i + 1;
        }
    }
    out.push_str(&component[copied_up_to..]);
}

/// Returns `component` percent-normalised (see [`push_percent_normalized`]).
#[cfg(test)]
fn percent_normalized(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    push_percent_normalized(&mut out, component);
    out
}

/// Appends `path` percent-normalised with every run of `/` collapsed to a single `/`.
pub(crate) fn push_collapsed_path(out: &mut String, path: &str) {
    // Pieces end at the first `/` of a run and the rest of the run is skipped. No escape
    // spans a cut, since `/` is not a hex digit, so normalising piece by piece is the same
    // as normalising the whole path. The scan jumps from `/` to `/`.
    let bytes = path.as_bytes();
    let mut piece_start = 0;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'/') {
        i += offset + 1;
        if bytes.get(i) == Some(&b'/') {
            push_percent_normalized(out, &path[piece_start..i]);
            while bytes.get(i) == Some(&b'/') {
                i += 1;
            }
            piece_start = i;
        }
    }
    push_percent_normalized(out, &path[piece_start..]);
}

/// Whether [`push_percent_normalized`] appends `component` unchanged: every `%` starts an
/// escape with upper-case hex digits of a character that is not unreserved.
pub(crate) fn is_percent_normal(component: &str) -> bool {
    let bytes = component.as_bytes();
    // Most parts have no `%` at all; `fold` (no early exit) is vectorised.
    if !bytes.iter().fold(false, |seen, &b| seen | (b == b'%')) {
        return true;
    }
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
        } else if is_normal_escape(bytes, i) {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// Whether the `%` at `at` starts an escape that normalisation keeps as it is.
fn is_normal_escape(bytes: &[u8], at: usize) -> bool {
    let upper_hex = |b: &u8| matches!(b, b'0'..=b'9' | b'A'..=b'F');
    match (bytes.get(at + 1), bytes.get(at + 2)) {
        (Some(high), Some(low)) if upper_hex(high) && upper_hex(low) => hex_value(*high)
            .zip(hex_value(*low))
            .is_some_and(|(h, l)| !is_unreserved(h << 4 | l)),
        _ => false,
    }
}

/// RFC 3986 unreserved characters: decoding their escapes never changes meaning.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_escapes_are_decoded_and_others_upper_cased() {
        assert_eq!(percent_normalized("%7e%41%2f%3a"), "~A%2F%3A");
        assert_eq!(percent_normalized("a%2"), "a%252");
        assert_eq!(percent_normalized("100%"), "100%25");
        assert_eq!(percent_normalized("%zz%e2%82%ac"), "%25zz%E2%82%AC");
        // A bare `%` must not merge with a decoded character into a new escape.
        assert_eq!(percent_normalized("%a%30"), "%25a0");
        assert_eq!(percent_normalized("%25a0"), "%25a0");
    }

    proptest::proptest! {
        /// The check of the in-place fast path never calls a part normal that the writer
        /// would change.
        #[test]
        fn normal_parts_are_written_unchanged(
            part in "([a-zA-Z0-9/~._-]|%[0-9a-fA-F]{0,2}|%[2-7][0-9A-F]|//|\\PC){0,12}"
        ) {
            if is_percent_normal(&part) {
                proptest::prop_assert_eq!(percent_normalized(&part), part.clone());
            }
            // And the other way round, so that the fast path is taken whenever it can be.
            proptest::prop_assert_eq!(is_percent_normal(&part), percent_normalized(&part) == part);
        }
    }

    #[test]
    fn slash_runs_collapse() {
        let mut out = String::new();
        push_collapsed_path(&mut out, "//a///b%7e//");
        assert_eq!(out, "/a/b~/");
        out.clear();
        push_collapsed_path(&mut out, "a%2//%/%7e");
        assert_eq!(out, "a%252/%25/~");
        for (path, collapsed) in [
            ("", ""),
            ("/", "/"),
            ("//", "/"),
            ("a//", "a/"),
            ("//a", "/a"),
            ("/a/b", "/a/b"),
            ("a///b//c/", "a/b/c/"),
        ] {
            out.clear();
            push_collapsed_path(&mut out, path);
            assert_eq!(out, collapsed, "{path:?}");
        }
    }
}
