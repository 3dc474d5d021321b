//! The fast path of [`crate::parse`]: when the `url` crate's serialization already is the
//! normal form but for ASCII case, runs of `/` in the path, a root's trailing `/` and the
//! host text (IDNA of an opaque host, a trimmed trailing dot), it becomes the normal form in
//! place instead of being copied part by part into a new string.
//!
//! Most URLs people paste are like that (`https://bucket.s3.region.amazonaws.com/key`), and
//! the copy was much of what cm-url added to the `url` crate's own parse: a second
//! allocation, its free, and one pass over each part. Every part the general writer in
//! `parse.rs` would change in any other way (escapes to decode or upper-case, an empty `?` or
//! `#` to drop, a `file:` path) sends the
//! URL down that path instead, so both give the same [`ServerUrl`] (property-tested below
//! against the general path, spans included).

use url::Url;

use crate::kind::{RootLayout, classify};
use crate::normalize::is_percent_normal;
use crate::scheme::Scheme;
use crate::server_url::{ServerUrl, Span};

/// Where the parts of a URL that [`normal_layout`] accepted lie in its string.
pub(crate) struct Layout {
    username: Span,
    password: Option<Span>,
    host: Span,
    port: Option<u16>,
    path: Span,
    query: Option<Span>,
    fragment: Option<Span>,
    /// The path holds a run of `/` to collapse (it is percent-normal either way).
    collapse: bool,
    /// The normalised host differs from the `url` crate's by more than ASCII case (IDNA of
    /// an opaque host, a trimmed trailing dot), so it replaces that host's text.
    replace_host: bool,
}

/// The layout of `url`'s own string when the general writer would write that string but for
/// ASCII case, a root's trailing `/` and the host text, which [`into_normal`] replaces by
/// `host` (the parts after it move); `None` when it would change more. `host` is the
/// normalised host (before lower-casing) and `port` the checked port, as the general path has
/// them. The spans are counted the way the writer counts them, and the count must come to
/// the length of `url`'s string, so a layout the writer would not produce is never accepted.
pub(crate) fn normal_layout(
    url: &Url,
    scheme: Scheme,
    host: &str,
    port: Option<u16>,
) -> Option<Layout> {
    let url_host = url.host_str()?;
    let (username, password, path) = (url.username(), url.password(), url.path());
    let (query, fragment) = (url.query(), url.fragment());
    let normal = !matches!(scheme, Scheme::File)
        && url.scheme() == scheme.as_str()
        && url.port() == port
        && is_percent_normal(username)
        && password.is_none_or(is_percent_normal)
        && path.starts_with('/')
        && is_percent_normal(path)
        && query.is_none_or(|q| !q.is_empty() && is_percent_normal(q))
        && fragment.is_none_or(|f| !f.is_empty() && is_percent_normal(f));
    if !normal {
        return None;
    }
    // `after` is the span of `len` bytes that follows `end` and `separator` bytes.
    let after = |end: usize, separator: usize, len: usize| Span {
        start: end + separator,
        end: end + separator + len,
    };
    let username = after(scheme.as_str().len(), "://".len(), username.len());
    let password = password.map(|p| after(username.end, ":".len(), p.len()));
    let userinfo_end = password.map_or(username.end, |p| p.end);
    let at = usize::from(!username.is_empty() || password.is_some());
    let host_span = after(userinfo_end, at, url_host.len());
    let port_len = port.map_or(0, |p| ":".len() + decimal_len(p));
    let collapse = path.as_bytes().windows(2).any(|pair| pair == b"//");
    let path = after(host_span.end, port_len, path.len());
    let query = query.map(|q| after(path.end, "?".len(), q.len()));
    let fragment = fragment.map(|f| after(query.map_or(path.end, |q| q.end), "#".len(), f.len()));
    let end = fragment.or(query).map_or(path.end, |last| last.end);
    let replace_host = !url_host.eq_ignore_ascii_case(host);
    (end == url.as_str().len()).then_some(Layout {
        username,
        password,
        host: host_span,
        port,
        path,
        query,
        fragment,
        collapse,
        replace_host,
    })
}

impl Layout {
    /// Whether [`into_normal`] needs the normalised host to replace the `url` crate's.
    pub(crate) fn replaces_host(&self) -> bool {
        self.replace_host
    }
}

/// The number of decimal digits of `value`.
fn decimal_len(value: u16) -> usize {
    match value {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

/// What the general writer produces for a `url` with a [`normal_layout`]: its own string,
/// lower-cased where the writer lower-cases and with `new_host` (the host given to
/// [`normal_layout`], owned, when [`Layout::replaces_host`]) in place of its host, no copy.
pub(crate) fn into_normal(
    url: Url,
    scheme: Scheme,
    new_host: Option<String>,
    layout: Layout,
) -> ServerUrl {
    let Layout {
        username,
        password,
        mut host,
        port,
        mut path,
        mut query,
        mut fragment,
        collapse,
        replace_host,
    } = layout;
    let mut serialized = String::from(url);
    // The general writer writes the normalised host where the `url` crate wrote its own; the
    // parts after it move by the difference in length.
    if let Some(new_host) = new_host.filter(|_| replace_host) {
        // `insert_str` and `drain` (two moves of the tail) cost a third of `replace_range`.
        let new_end = host.start + new_host.len();
        serialized.insert_str(host.start, &new_host);
        serialized.drain(new_end..new_end + (host.end - host.start));
        let shift = |at: &mut usize| *at = *at + new_end - host.end;
        for span in [Some(&mut path), query.as_mut(), fragment.as_mut()]
            .into_iter()
            .flatten()
        {
            shift(&mut span.start);
            shift(&mut span.end);
        }
        host.end = new_end;
    }
    // The path grows or shrinks at its end, moving the query and fragment after it.
    let mut move_end = |path: &mut Span, grow: bool| {
        let step = |at: &mut usize| *at = if grow { *at + 1 } else { *at - 1 };
        step(&mut path.end);
        for span in [&mut query, &mut fragment].into_iter().flatten() {
            step(&mut span.start);
            step(&mut span.end);
        }
    };
    // Runs of `/` lose all but their first byte, in place: the path is percent-normal and no
    // escape holds a `/`, so this is what the writer's `push_collapsed_path` gives.
    if collapse {
        let mut i = path.start;
        while i + 1 < path.end {
            if &serialized.as_bytes()[i..i + 2] == b"//" {
                serialized.remove(i + 1);
                move_end(&mut path, false);
            } else {
                i += 1;
            }
        }
    }
    serialized[host.start..host.end].make_ascii_lowercase();
    // Azure container names are lower case only, as in the general writer.
    if scheme.userinfo_is_container() {
        serialized[username.start..username.end].make_ascii_lowercase();
    }
    let (kind, root_layout) = classify(scheme, host.of(&serialized), !username.is_empty());
    // A lone bucket or container segment gets the trailing `/` of its root, as in the writer.
    let text = path.of(&serialized);
    if root_layout == RootLayout::FirstSegment && text.len() > 1 && !text[1..].contains('/') {
        serialized.insert(path.end, '/');
        move_end(&mut path, true);
    }
    ServerUrl {
        serialized,
        kind,
        layout: root_layout,
        scheme,
        username,
        password,
        host,
        port,
        path,
        query,
        fragment,
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::{parse, parse_general};
    use crate::server_url::ServerUrl;

    /// Every field, the spans included (`ServerUrl`'s own `Debug` is redacted).
    fn fields(url: &ServerUrl) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            url.serialized,
            url.kind,
            url.layout,
            url.scheme,
            url.username,
            url.password,
            url.host,
            url.port,
            url.path,
            url.query,
            url.fragment
        )
    }

    fn assert_same(input: &str) {
        match (parse(input), parse_general(input)) {
            (Ok(fast), Ok(general)) => assert_eq!(fields(&fast), fields(&general), "{input:?}"),
            (Err(fast), Err(general)) => {
                assert_eq!(fast.to_string(), general.to_string(), "{input:?}");
            }
            (fast, general) => panic!(
                "{input:?}: {:?} against {:?}",
                fast.map(|u| fields(&u)),
                general.map(|u| fields(&u))
            ),
        }
    }

    #[test]
    fn the_benchmark_shapes_agree_with_the_general_path() {
        for input in [
            "https://my-bucket.s3.us-west-2.amazonaws.com/scenes/car.usd",
            "https://s3.us-east-1.amazonaws.com/my-bucket",
            "https://s3.us-east-1.amazonaws.com/my-bucket?x=1#f",
            "https://alice:s3cret@example.com/a/b/c.usd?x=1",
            "abfss://Raw-Data@MyAccount.dfs.core.windows.net/events/part-0.parquet",
            "omniverse://[2001:DB8::1]:3019/Library/",
            "omniverse://nucleus.example.com/Projects/My Project/Scene.usd",
            "gs://my-bucket",
            "HTTP://Example.COM:80",
            "az://C@acct/x",
            "omniverse://bücher.example/Projekte/",
            "omniverse://Bücher.Example./Projekte//a?q#f",
            "omniverse://bücher.example:3009",
            "s3://Bucket./x",
            "az://c@Acct./x",
        ] {
            assert_same(input);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The fast path gives the general path's `ServerUrl`, spans included, or the same error.
        #[test]
        fn in_place_agrees_with_the_general_path(
            input in "(omniverse|HTTPS|http|s3|S3a|gs|az|abfss|wasb|adl|file)://\
                ([a-zA-Z0-9%-]{0,4}(:[a-zA-Z0-9%]{0,3})?@)?\
                (Host|host\\.Example\\.com\\.?|b-1\\.s3\\.amazonaws\\.com|s3\\.amazonaws\\.com|\
                acct\\.blob\\.core\\.windows\\.net|storage\\.googleapis\\.com|[0-9]{1,3}\\.[0-9]|\\[::1\\]|\
                \\[::FFFF:1\\.2\\.3\\.4\\]|b%C3%BCcher|a\\.\\.b|h%41|\
                b%C3%BCcher\\.Example\\.?|B%C3%BC\\.%C3%A0-b\\.de|%C3%A9t%C3%A9|Bucket\\.)\
                (:[0-9]{0,5})?\
                (/([a-zA-Z0-9 ~._-]|%[0-9a-fA-F]{0,2}|%[2-7][0-9A-F]|/|\\.\\.){0,5}){0,3}\
                (\\?([a-zA-Z=&0-9~]|%[0-9a-fA-F]{2}){0,5})?(#([a-zA-Z0-9~]|%[0-9a-fA-F]{2}){0,4})?"
        ) {
            assert_same(&input);
        }
    }
}
