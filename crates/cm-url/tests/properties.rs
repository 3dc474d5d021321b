//! Properties that must hold for every URL, checked on generated ones.
//!
//! The generator builds URLs from the parts people actually type: any accepted scheme in any
//! case, optional user info, domains in mixed case with optional trailing dot, Unicode hosts,
//! IPv4 and IPv6 literals, the object-store host names, odd ports, paths with duplicate
//! slashes, dot segments and percent escapes in either case, queries and fragments.
//!
//! Exact prefix semantics checked here: `server_root(u)` ends with `/` and is a string prefix
//! of `without_credentials(u)`, and of `normalize(u)` when `u` has no user info.

use proptest::prelude::*;

const SCHEMES: &[&str] = &[
    "omniverse",
    "OMNIVERSE",
    "Omniverse",
    "http",
    "HTTP",
    "https",
    "HTTPS",
    "s3",
    "S3",
    "gs",
    "az",
    "azure",
    "abfs",
    "abfss",
    "s3a",
    "S3A",
    "s3n",
    "adl",
    "wasb",
    "WASBS",
];

fn is_bucket_scheme(scheme: &str) -> bool {
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "s3" | "s3a" | "s3n" | "gs" | "az" | "azure"
    )
}

/// Letters avoid `z`/`Z` so that generated passwords (which start with `Zz`) stay unique. A
/// label starting `xn--` claims to be Punycode, and a random one is not valid Punycode (it is
/// rightly refused, before and after normalising), so such labels are not generated here.
fn label() -> impl Strategy<Value = String> {
    "[a-yA-Y0-9]([a-yA-Y0-9-]{0,5}[a-yA-Y0-9])?".prop_filter("not an IDNA A-label", |l| {
        !l.to_ascii_lowercase().starts_with("xn--")
    })
}

fn domain_host() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(label(), 0..3),
        "[a-yA-Y]{2,5}",
        any::<bool>(),
    )
        .prop_map(|(labels, tld, trailing_dot)| {
            let mut host = labels.join(".");
            if !host.is_empty() {
                host.push('.');
            }
            host.push_str(&tld);
            if trailing_dot {
                host.push('.');
            }
            host
        })
}

fn web_host() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => domain_host(),
        1 => prop::sample::select(vec![
            "bücher.example", "例え.jp", "STRASSE.de", "ÉCOLE.fr.", "xn--bcher-kva.example",
        ]).prop_map(str::to_owned),
        1 => (1u8..=254, any::<u8>(), any::<u8>(), 1u8..=254)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        1 => prop::sample::select(vec!["[::1]", "[2001:DB8::1]", "[fe80::a:B:c]", "[::ffff:1.2.3.4]"])
            .prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "s3.amazonaws.com", "S3.us-west-2.amazonaws.com", "s3-eu-west-1.amazonaws.com",
            "bucket.s3.amazonaws.com", "my.bucket.s3.ap-south-1.amazonaws.com",
            "acct.r2.cloudflarestorage.com", "bkt.acct.r2.cloudflarestorage.com",
            "acct.blob.core.windows.net", "ACCT.dfs.core.windows.net",
            "storage.googleapis.com", "bkt.storage.googleapis.com",
            "onelake.dfs.fabric.microsoft.com", "acct.blob.fabric.microsoft.com",
            "acct.azuredatalakestore.net",
        ]).prop_map(str::to_owned),
    ]
}

fn bucket_host() -> impl Strategy<Value = String> {
    "[a-yA-Y0-9][a-y0-9-]{1,10}[a-y0-9]"
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-yA-Y0-9._~-]{1,6}",
        1 => Just(String::new()),
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        1 => prop::sample::select(vec!["%7e", "%7E", "%2f", "%2F", "%e2%82%ac", "%41", "%25", "ü", "a%20b", "@", ":", "%zz", "100%", "My Project", "a\u{a0}b", " x"])
            .prop_map(str::to_owned),
    ]
}

fn path() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 0..5), any::<bool>()).prop_map(|(segments, trailing)| {
        let mut path = String::new();
        for segment in segments {
            path.push('/');
            path.push_str(&segment);
        }
        if trailing {
            path.push('/');
        }
        path
    })
}

fn query_or_fragment() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[a-yA-Y0-9=&%_.-]{0,12}")
}

fn password() -> impl Strategy<Value = String> {
    "Zz[A-Y0-9]{6,10}"
}

#[derive(Debug, Clone)]
struct Generated {
    url: String,
    password: Option<String>,
    has_userinfo: bool,
}

fn url() -> impl Strategy<Value = Generated> {
    let network = (
        prop::sample::select(SCHEMES),
        prop::option::of("[a-yA-Y0-9._-]{1,8}"),
        prop::option::of(password()),
        web_host(),
        bucket_host(),
        prop::option::of(prop_oneof![
            Just(80u16),
            Just(443),
            Just(3009),
            1u16..=65535
        ]),
        path(),
        query_or_fragment(),
        query_or_fragment(),
    )
        .prop_map(
            |(scheme, user, password, web_host, bucket, port, path, query, fragment)| {
                let bucket_scheme = is_bucket_scheme(scheme);
                let host = if bucket_scheme { bucket } else { web_host };
                let port = if bucket_scheme { None } else { port };
                let password = user.as_ref().and(password);
                // In the Azure schemes the user-info position is the container, whose name
                // has no '.'.
                let is_container_scheme = matches!(
                    scheme.to_ascii_lowercase().as_str(),
                    "az" | "azure" | "adl" | "abfs" | "abfss" | "wasb" | "wasbs"
                );
                let user = user.map(|user| {
                    if is_container_scheme {
                        user.replace('.', "-")
                    } else {
                        user
                    }
                });
                let mut url = format!("{scheme}://");
                if let Some(user) = &user {
                    url.push_str(user);
                    if let Some(password) = &password {
                        url.push(':');
                        url.push_str(password);
                    }
                    url.push('@');
                }
                url.push_str(&host);
                if let Some(port) = port {
                    url.push_str(&format!(":{port}"));
                }
                url.push_str(&path);
                if let Some(query) = query {
                    url.push('?');
                    url.push_str(&query);
                }
                if let Some(fragment) = fragment {
                    url.push('#');
                    url.push_str(&fragment);
                }
                Generated {
                    url,
                    password,
                    has_userinfo: user.is_some(),
                }
            },
        );
    let file = (
        prop::sample::select(vec!["", "localhost", "fileserver"]),
        path(),
    )
        .prop_map(|(host, path)| Generated {
            url: format!("file://{host}{}", if path.is_empty() { "/" } else { &path }),
            password: None,
            has_userinfo: false,
        });
    prop_oneof![8 => network, 1 => file]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_urls_are_accepted(generated in url()) {
        let result = cm_url::parse(&generated.url);
        prop_assert!(result.is_ok(), "{} -> {:?}", generated.url, result.err());
    }

    #[test]
    fn normalize_is_idempotent(generated in url()) {
        let once = cm_url::normalize(&generated.url).unwrap();
        let twice = cm_url::normalize(&once);
        prop_assert_eq!(twice.as_ref(), Ok(&once), "input {}", generated.url);
        prop_assert_eq!(cm_url::kind(&once).unwrap(), cm_url::kind(&generated.url).unwrap());
        prop_assert_eq!(cm_url::fallback_name_for_url(&once), cm_url::fallback_name_for_url(&generated.url));
    }

    #[test]
    fn normalize_is_idempotent_on_arbitrary_text(
        scheme in prop::sample::select(SCHEMES),
        text in "[a-zA-Z0-9%/?#@:;=&+.,!$'()*\\[\\]\\\\ü例~_-]{0,30}",
    ) {
        let text = format!("{scheme}://{text}");
        if let Ok(once) = cm_url::normalize(&text) {
            prop_assert_eq!(cm_url::normalize(&once), Ok(once.clone()), "input {:?}", text);
        }
    }

    #[test]
    fn server_root_is_a_prefix_of_the_normalised_url(generated in url()) {
        let root = cm_url::server_root(&generated.url).unwrap();
        let bare = cm_url::without_credentials(&generated.url).unwrap();
        prop_assert!(root.ends_with('/'), "{root}");
        prop_assert!(bare.starts_with(&root), "{root} is not a prefix of {bare}");
        if !generated.has_userinfo {
            let normalized = cm_url::normalize(&generated.url).unwrap();
            prop_assert!(normalized.starts_with(&root), "{root} is not a prefix of {normalized}");
        }
        // A root is its own root, and is recognised as one.
        prop_assert_eq!(cm_url::server_root(&root).unwrap(), root.clone());
        prop_assert!(cm_url::is_server_root(&root), "{root}");
    }

    #[test]
    fn url_is_under_its_server_root(generated in url()) {
        let root = cm_url::server_root(&generated.url).unwrap();
        prop_assert!(cm_url::is_under(&generated.url, &root), "{} not under {root}", generated.url);
        let without_slash = root.trim_end_matches('/');
        if !without_slash.ends_with(':') && !without_slash.ends_with("//") {
            prop_assert!(cm_url::is_under(&generated.url, without_slash), "{} not under {without_slash}", generated.url);
        }
    }

    #[test]
    fn is_under_respects_segment_boundaries(
        generated in url(),
        short in "[a-y]{1,4}",
        extra in "[a-y0-9]{1,3}",
    ) {
        let root = cm_url::server_root(&generated.url).unwrap();
        let folder = format!("{root}{short}");
        let inside = format!("{folder}/x.usd");
        let with_slash = format!("{folder}/");
        let sibling = format!("{folder}{extra}");
        let in_sibling = format!("{sibling}/x.usd");
        prop_assert!(cm_url::is_under(&inside, &folder), "{} not under {}", inside, folder);
        prop_assert!(cm_url::is_under(&folder, &with_slash), "{} not under {}", folder, with_slash);
        prop_assert!(!cm_url::is_under(&in_sibling, &folder), "{} under {}", in_sibling, folder);
        prop_assert!(!cm_url::is_under(&folder, &sibling), "{} under {}", folder, sibling);
    }

    #[test]
    fn redact_never_contains_the_password(generated in url()) {
        if let Some(password) = &generated.password {
            let redacted = cm_url::redact(&generated.url);
            prop_assert!(!redacted.contains(password.as_str()), "{redacted}");
            prop_assert!(redacted.contains(cm_url::REDACTED));
            // Also when the URL is broken further on and cannot be parsed.
            let broken = format!("{} broken", generated.url);
            prop_assert!(!cm_url::redact(&broken).contains(password.as_str()));
            if let Err(error) = cm_url::parse(&broken) {
                prop_assert!(!error.to_string().contains(password.as_str()));
            }
            let parsed = cm_url::parse(&generated.url).unwrap();
            prop_assert!(!parsed.to_string().contains(password.as_str()));
            let debug = format!("{parsed:?}");
            prop_assert!(!debug.contains(password.as_str()), "{}", debug);
            prop_assert!(!parsed.server_root().contains(password.as_str()));
            prop_assert!(!parsed.without_credentials().contains(password.as_str()));
        }
    }

    #[test]
    fn redact_hides_passwords_in_arbitrary_text(
        before in "\\PC{0,20}",
        user in "[a-y0-9]{0,6}",
        password in password(),
        after in "\\PC{0,20}",
    ) {
        let input = format!("{before}{user}:{password}@{after}");
        let redacted = cm_url::redact(&input);
        prop_assert!(!redacted.contains(password.as_str()), "{input:?} -> {redacted:?}");
    }
}

/// `plain`'s contract: whatever it accepts is already in normal form, and its origin is the
/// normal form's `scheme://host[:port]`.
fn check_plain(url: &str) -> Result<(), TestCaseError> {
    if let Some(plain) = cm_url::plain(url) {
        let normalized = cm_url::normalize(url);
        prop_assert_eq!(
            normalized.as_deref(),
            Ok(url),
            "plain accepted a non-normal URL"
        );
        let parsed = cm_url::parse(url).unwrap();
        let origin = match parsed.port() {
            Some(port) => format!("{}://{}:{port}", parsed.scheme(), parsed.host()),
            None => format!("{}://{}", parsed.scheme(), parsed.host()),
        };
        prop_assert_eq!(plain.origin(), origin.as_str());
        prop_assert_eq!(format!("{}{}", plain.origin(), plain.path()), url);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn plain_accepts_only_normal_urls(generated in url()) {
        check_plain(&generated.url)?;
        // The normal form of a common URL is usually plain: exercise the accepting side.
        if let Ok(normalized) = cm_url::normalize(&generated.url) {
            check_plain(&normalized)?;
        }
    }

    #[test]
    fn plain_accepts_only_normal_text(
        scheme in prop::sample::select(&["omniverse", "http", "https", "HTTP", "s3"][..]),
        host in "[a-zA-Z0-9.-]{0,12}",
        port in "(:[0-9]{0,6})?",
        path in "(/[A-Za-z0-9._~!$&'()*+,;=:@%?#-]{0,6}){0,3}/?",
    ) {
        check_plain(&format!("{scheme}://{host}{port}{path}"))?;
    }
}

#[test]
fn plain_recognises_the_common_shapes() {
    for url in [
        "omniverse://my-server/Projects/p1/",
        "omniverse://host.example.com:3009/Users/a@b.com/",
        "https://my-bucket.s3.us-west-2.amazonaws.com/scenes/car.usd",
        "https://s3.amazonaws.com/bucket/",
        "http://example.com:8080/x",
    ] {
        assert!(cm_url::plain(url).is_some(), "{url}");
    }
    for url in [
        "omniverse://Host/",
        "omniverse://1.2.3.4/",
        "omniverse://h/a%20b",
        "omniverse://h:0/",
        "omniverse://u@h/",
        "omniverse://h",
        "https://s3.amazonaws.com/bucket",
        "http://example.com:80/x",
        "omniverse://xn--bcher-kva.example/",
        "omniverse://h/x?q=1",
    ] {
        assert!(cm_url::plain(url).is_none(), "{url}");
    }
}

/// The Azure forms whose user-info position names the container (issue 23): `az`, `azure`,
/// `adl`, `abfs(s)`, `wasb(s)` with `container@account…`, in any case, with an optional
/// password after the container and a path that may hold spaces.
fn container_url() -> impl Strategy<Value = (String, String, String)> {
    (
        prop::sample::select(&["az", "AZ", "azure", "adl", "abfs", "abfss", "wasb", "wasbs"][..]),
        "[a-yA-Y0-9][a-yA-Y0-9-]{1,8}",
        prop::option::of(password()),
        prop::sample::select(
            &[
                "acct",
                "acct.dfs.core.windows.net",
                "Acct.blob.core.windows.net",
                "onelake.dfs.fabric.microsoft.com",
                "acct.azuredatalakestore.net",
            ][..],
        ),
        path(),
    )
        .prop_map(|(scheme, container, password, host, path)| {
            let secret = password
                .as_deref()
                .map_or(String::new(), |p| format!(":{p}"));
            let url = format!("{scheme}://{container}{secret}@{host}{path}");
            // Container names are lower case only: any case is one container.
            (
                url,
                container.to_ascii_lowercase(),
                host.to_ascii_lowercase(),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_azure_container_stays_in_the_normal_form_and_the_root(
        (url, container, host) in container_url(),
        other in "[a-y0-9][a-y0-9-]{1,8}",
    ) {
        let once = cm_url::normalize(&url).unwrap();
        prop_assert_eq!(cm_url::normalize(&once), Ok(once.clone()), "input {}", url);
        prop_assert_eq!(cm_url::kind(&url).unwrap(), cm_url::UrlKind::Azure);
        let root = cm_url::server_root(&url).unwrap();
        let scheme = url.split("://").next().unwrap().to_ascii_lowercase();
        prop_assert_eq!(&root, &format!("{scheme}://{container}@{host}/"));
        prop_assert!(cm_url::is_under(&url, &root), "{} not under {}", url, root);
        prop_assert!(cm_url::without_credentials(&url).unwrap().starts_with(&root));
        let redacted = cm_url::redact(&url);
        prop_assert!(redacted.contains(&format!("//{container}")), "{}", redacted);
        // Two containers of one account are two servers.
        if other != container {
            let other_root = format!("{scheme}://{other}@{host}/");
            prop_assert!(!cm_url::is_under(&url, &other_root), "{} under {}", url, other_root);
        }
    }
}

/// The fast paths other crates take (`is_plain_origin`, `RootPrefix::contains_plain`,
/// `ServerUrl::origin`) give the answers of the full parse.
fn check_fast_paths(url: &str, root: &str) -> Result<(), TestCaseError> {
    let with_path = format!("{url}/");
    let has_no_path = url
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'));
    let plain_origin = cm_url::is_plain_origin(url);
    prop_assert_eq!(
        plain_origin,
        has_no_path && cm_url::plain(&with_path).is_some(),
        "{}",
        url
    );
    if plain_origin {
        prop_assert_eq!(cm_url::normalize(url), Ok(with_path));
    }
    let (Ok(parsed), Ok(parsed_root)) = (cm_url::parse(url), cm_url::parse(root)) else {
        return Ok(());
    };
    let prefix = cm_url::RootPrefix::new(&parsed_root);
    let under = cm_url::is_under(url, root);
    prop_assert_eq!(prefix.contains(&parsed), under);
    if let Some(plain) = cm_url::plain(url) {
        prop_assert_eq!(
            prefix.contains_plain(plain),
            under,
            "{} under {}",
            url,
            root
        );
        prop_assert_eq!(plain.origin(), parsed.origin());
    }
    // The origin is the root's authority: a prefix of the root, and shared by everything
    // under a root, so it can key a lookup.
    prop_assert!(parsed.server_root().starts_with(&*parsed.origin()));
    if under {
        prop_assert_eq!(
            parsed.origin(),
            parsed_root.origin(),
            "{} under {}",
            url,
            root
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn fast_paths_agree_with_the_full_parse(generated in url(), other in url(), depth in 0usize..3) {
        // Roots of the URL itself (at a few depths) and of an unrelated URL.
        let normalized = cm_url::normalize(&generated.url).unwrap();
        let root = cm_url::server_root(&generated.url).unwrap();
        let deeper: String = normalized
            .split_inclusive('/')
            .take(root.matches('/').count() + depth)
            .collect();
        for candidate in [root.as_str(), deeper.as_str(), other.url.as_str()] {
            check_fast_paths(&generated.url, candidate)?;
            check_fast_paths(&normalized, candidate)?;
        }
        let origin = cm_url::parse(&generated.url).unwrap().origin().into_owned();
        check_fast_paths(&origin, &root)?;
    }

    #[test]
    fn is_plain_origin_agrees_on_text(
        scheme in prop::sample::select(&["omniverse", "http", "https", "HTTP", "s3", "ftp"][..]),
        host in "[a-zA-Z0-9.-]{0,12}",
        port in "(:[0-9]{0,6})?",
        tail in "([/?#@][a-z]{0,2})?",
    ) {
        check_fast_paths(&format!("{scheme}://{host}{port}{tail}"), "omniverse://h/")?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// A key written after the container with `:`, an encoded `:` or `;`, is either refused
    /// or kept only as a password: it never appears in any output form or error message.
    #[test]
    fn a_key_after_an_azure_container_never_appears_in_any_output(
        scheme in prop::sample::select(&["az", "azure", "adl", "abfs", "abfss", "wasb", "wasbs"][..]),
        container in "[a-z0-9]{0,8}",
        separator in prop::sample::select(&[":", "%3A", "%3a", ";", "%3B"][..]),
        secret in "SECRET[A-Za-z0-9]{1,8}",
        host in prop::sample::select(&["acct", "acct.dfs.core.windows.net", "acct.blob.core.windows.net"][..]),
        path in "(/[a-z]{1,4}){0,2}/?",
    ) {
        let input = format!("{scheme}://{container}{separator}{secret}@{host}{path}");
        match cm_url::parse(&input) {
            Ok(url) => {
                prop_assert!(!container.is_empty() && separator == ":", "{} accepted", input);
                for form in [
                    url.to_string(),
                    format!("{url:?}"),
                    url.without_credentials(),
                    url.server_root(),
                    cm_url::redact(&input),
                    cm_url::fallback_name_for_url(&input),
                ] {
                    prop_assert!(!form.contains(&secret), "{} -> {}", input, form);
                }
            }
            Err(error) => {
                prop_assert!(!error.to_string().contains(&secret), "{} -> {}", input, error);
                prop_assert!(!cm_url::redact(&input).contains(&secret), "{}", input);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Text around URLs is kept byte for byte, and no generated password survives.
    #[test]
    fn redact_urls_in_text_hides_every_password_and_keeps_the_rest(
        generated in url(),
        before in "[a-z =\\[\\]\\n]{0,10}",
        after in "[a-z =\\[\\]\\n]{0,10}",
    ) {
        let text = format!("{before}\"{}\"{after}", generated.url);
        let redacted = cm_url::redact_urls_in_text(&text);
        if let Some(password) = &generated.password {
            prop_assert!(!redacted.contains(password.as_str()), "{text:?} -> {redacted:?}");
        }
        prop_assert!(redacted.starts_with(&format!("{before}\"")), "{redacted:?}");
        prop_assert!(redacted.ends_with(&format!("\"{after}")), "{redacted:?}");
        if generated.password.is_none() && cm_url::redact(&generated.url) == cm_url::normalize(&generated.url).unwrap() {
            prop_assert_eq!(&redacted, &text);
        }
    }
}

/// One file-root rule: a UNC path stays UNC however many slashes Windows tools write, a drive
/// letter compares case-insensitively, and the stored key of an entry root is that root.
#[test]
fn file_roots_keep_unc_hosts_and_fold_drive_letters() {
    for unc in [
        "file://srv/share/",
        "file:////srv/share/",
        "file://///srv/share/",
    ] {
        assert_eq!(
            cm_url::entry_root(unc).unwrap(),
            "file://srv/share/",
            "{unc}"
        );
        assert_eq!(
            cm_url::server_key(&cm_url::entry_root(unc).unwrap()),
            "file://srv/share/"
        );
    }
    assert_eq!(
        cm_url::entry_root("file:///c:/x/a.usd").unwrap(),
        cm_url::entry_root("file:///C:/x/a.usd").unwrap()
    );
    assert_eq!(cm_url::normalize("file:///c:/x/").unwrap(), "file:///C:/x/");
    assert_eq!(cm_url::normalize("file:///c:").unwrap(), "file:///C:");
    // A local path keeps its empty host; a lower-case directory named like a drive only at the start.
    assert_eq!(
        cm_url::entry_root("file:///srv/share/").unwrap(),
        "file:///srv/share/"
    );
    assert_eq!(
        cm_url::normalize("file:///mnt/c:/").unwrap(),
        "file:///mnt/c:/"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// For any file path: the UNC spellings name one root, drive letter case never splits a
    /// root, and an entry root is its own entry root (what `url root` prints is what is stored).
    #[test]
    fn file_entry_roots_are_one_rule(
        host in "[a-z][a-z0-9]{0,8}",
        dirs in proptest::collection::vec("[a-zA-Z0-9_]{1,6}", 0..4),
        drive in "[a-zA-Z]",
        slashes in 4usize..=5,
    ) {
        let path = dirs.join("/");
        let two = format!("file://{host}/{path}/f.usd");
        let many = format!("file:{}{host}/{path}/f.usd", "/".repeat(slashes));
        prop_assert_eq!(cm_url::entry_root(&two).unwrap(), cm_url::entry_root(&many).unwrap());
        let lower = format!("file:///{}:/{path}/f.usd", drive.to_ascii_lowercase());
        let upper = format!("file:///{}:/{path}/f.usd", drive.to_ascii_uppercase());
        let root = cm_url::entry_root(&lower).unwrap();
        prop_assert_eq!(&root, &cm_url::entry_root(&upper).unwrap());
        prop_assert_eq!(cm_url::entry_root(&root).unwrap(), root.clone());
        prop_assert_eq!(cm_url::server_key(&root), root);
    }
}
