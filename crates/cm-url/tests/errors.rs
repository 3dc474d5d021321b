//! One test per rejection reason: the typed variant, its fields, and the one-line message.

use cm_url::UrlError;

fn err(input: &str) -> UrlError {
    match cm_url::parse(input) {
        Ok(url) => panic!("{input:?} should be rejected, got {}", url.as_str()),
        Err(error) => error,
    }
}

#[test]
fn empty_and_blank_input() {
    assert_eq!(err(""), UrlError::Empty);
    assert_eq!(err(" \t\n"), UrlError::Empty);
    assert_eq!(err("").input(), None);
    assert!(err("").to_string().starts_with("empty URL"));
}

#[test]
fn no_scheme() {
    for input in [
        "example.com",
        "example.com:3009/path",
        "localhost:8080",
        r"C:\dir\a.usd",
        "//host/x",
        "1http://x",
    ] {
        let error = err(input);
        assert_eq!(
            error,
            UrlError::NoScheme {
                input: input.to_owned()
            },
            "{input}"
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("no scheme in \"{input}\"")),
            "{error}"
        );
    }
}

#[test]
fn unknown_scheme() {
    let error = err("ftp://x");
    assert_eq!(
        error,
        UrlError::UnknownScheme {
            scheme: "ftp".to_owned(),
            input: "ftp://x".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "unknown scheme \"ftp\" in \"ftp://x\"; expected one of omniverse, http, https, s3, s3a, s3n, gs, az, azure, adl, abfs, abfss, wasb, wasbs, file"
    );
    assert!(
        matches!(err("wss://host/"), UrlError::UnknownScheme { scheme, .. } if scheme == "wss")
    );
}

#[test]
fn whitespace_and_control_characters() {
    // Whitespace outside the path: the host, the user info, the query.
    assert_eq!(
        err("omniverse://my host/a b"),
        UrlError::InvalidCharacter {
            character: ' ',
            index: 14,
            input: "omniverse://my host/a b".to_owned()
        }
    );
    for input in [
        "omniverse://user:my pass@host/",
        "https://host/x?q=a b",
        "https://host/x#a b",
        "http:// host/",
        "https://host\u{a0}x/",
        "az://con tainer@account/",
        "not a url",
    ] {
        assert!(
            matches!(err(input), UrlError::InvalidCharacter { character, .. } if character.is_whitespace()),
            "{input:?}"
        );
    }
    // The url crate alone would silently drop these.
    assert!(matches!(
        err("http://exa\tmple.com/"),
        UrlError::InvalidCharacter {
            character: '\t',
            index: 10,
            ..
        }
    ));
    assert!(matches!(
        err("http://host/\n/x"),
        UrlError::InvalidCharacter {
            character: '\n',
            ..
        }
    ));
    assert!(matches!(
        err("http://host/\u{7f}"),
        UrlError::InvalidCharacter {
            character: '\u{7f}',
            ..
        }
    ));
    assert!(matches!(
        err("http://host/a b\u{85}c"),
        UrlError::InvalidCharacter {
            character: '\u{85}',
            ..
        }
    ));
    let message = err("http://host/a\u{0}b").to_string();
    assert!(message.ends_with("URLs must not contain control characters, nor whitespace outside the path (percent-encode them, e.g. %20)"), "{message}");
    assert!(
        message.starts_with("control character '\\0' (U+0000) at index 13"),
        "{message}"
    );
    assert!(
        !message.contains('\0'),
        "the message must stay printable: {message:?}"
    );
}

#[test]
fn missing_host() {
    for (input, scheme) in [
        ("omniverse://", "omniverse"),
        ("omniverse:///Users/", "omniverse"),
        ("omniverse:server", "omniverse"),
        ("http://", "http"),
        ("https://user:pw@/x", "https"),
        ("s3://", "s3"),
        ("gs:///obj", "gs"),
        ("abfss://", "abfss"),
    ] {
        match err(input) {
            UrlError::NoHost { scheme: got, .. } => assert_eq!(got, scheme, "{input}"),
            other => panic!("{input}: expected NoHost, got {other:?}"),
        }
    }
    assert_eq!(
        err("s3://").to_string(),
        "no host in \"s3://\"; s3:// URLs need a bucket or container name, e.g. \"s3://bucket/\""
    );
    assert!(!err("https://user:pw@/x").to_string().contains("pw"));
}

#[test]
fn bad_ports() {
    for (input, port) in [
        ("http://host:99999/", "99999"),
        ("omniverse://host:65536/", "65536"),
        ("http://host:abc/", "abc"),
        ("omniverse://host:0/", "0"),
        ("s3://bucket:9000/", "9000"),
        ("az://container:1/", "1"),
    ] {
        match err(input) {
            UrlError::BadPort {
                port: got, reason, ..
            } => {
                assert_eq!(got, port, "{input}");
                assert!(!reason.is_empty());
            }
            other => panic!("{input}: expected BadPort, got {other:?}"),
        }
    }
    assert_eq!(
        err("http://host:99999/").to_string(),
        "bad port \"99999\" in \"http://host:99999/\": not a number from 1 to 65535"
    );
}

#[test]
fn bad_hosts() {
    for (input, host) in [
        ("http://[::1/", "[::1"),
        ("omniverse://[1::2::3]/", "[1::2::3]"),
        ("http://256.1.1.1/", "256.1.1.1"),
        ("https://xn--a.com/", "xn--a.com"),
        ("https://..../", "...."),
        ("omniverse://a%00b/", ""),
        ("s3://bü/", "bü"),
        ("s3://[::1]/", "[::1]"),
        ("gs://bucket!/", "bucket!"),
    ] {
        match err(input) {
            UrlError::BadHost {
                host: got, reason, ..
            } => {
                if !host.is_empty() {
                    assert_eq!(got, host, "{input}");
                }
                assert!(!reason.is_empty());
            }
            other => panic!("{input}: expected BadHost, got {other:?}"),
        }
    }
}

#[test]
fn a_percent_decoded_bucket_name_in_an_error_stays_on_one_line() {
    // Found by the url fuzz target: the bucket name is shown decoded, and `%1E` decoded to a
    // raw control character in the message.
    let error = err("s3://bad%1Ebucket!%0A/");
    let UrlError::BadHost { host, .. } = &error else {
        panic!("expected BadHost, got {error:?}");
    };
    assert_eq!(host, "bad\\u{1e}bucket!\\n");
    let message = error.to_string();
    assert!(!message.chars().any(char::is_control), "{message:?}");
}

#[test]
fn host_names_longer_than_dns_allows_are_refused() {
    let label = |n: usize| "a".repeat(n);
    // 253 bytes in all: four 62-byte labels and a 1-byte one, joined by four dots.
    let longest = [label(62), label(62), label(62), label(62), label(1)].join(".");
    assert_eq!(longest.len(), 253);
    for scheme in ["omniverse", "https", "s3"] {
        let at_the_limit = format!("{scheme}://{longest}/");
        assert!(
            cm_url::parse(&at_the_limit).is_ok(),
            "{scheme}: 253 bytes is allowed"
        );
        let one_label_at_the_limit = format!("{scheme}://{}.example/", label(63));
        assert!(cm_url::parse(&one_label_at_the_limit).is_ok(), "{scheme}");
        // A trailing dot is not part of the length.
        assert!(cm_url::parse(&format!("{scheme}://{longest}./")).is_ok());

        for (input, expected_reason) in [
            (
                format!("{scheme}://{longest}a/"),
                "254 bytes long; host names have at most 253",
            ),
            (
                format!("{scheme}://{}.example/", label(64)),
                "is 64 bytes long; each part between dots has at most 63",
            ),
            (
                format!("{scheme}://{}.example/", label(64 * 1024)),
                "65544 bytes long; host names have at most 253",
            ),
        ] {
            match err(&input) {
                UrlError::BadHost { host, reason, .. } => {
                    assert!(
                        reason.contains(expected_reason),
                        "{scheme}: {reason} lacks {expected_reason}"
                    );
                    assert!(host.len() <= 43, "the host is shown shortened: {host}");
                }
                other => panic!("{scheme}: expected BadHost, got {other:?}"),
            }
        }
    }
    // An IDN is measured in its ASCII (punycode) form, the form DNS carries.
    let idn_label = "ü".repeat(30); // 60 bytes of UTF-8, longer once punycoded
    let idn = format!("https://{idn_label}.example/");
    match cm_url::parse(&idn) {
        Ok(url) => assert!(url.host().split('.').all(|l| l.len() <= 63), "{url}"),
        Err(UrlError::BadHost { reason, .. }) => assert!(reason.contains("bytes long"), "{reason}"),
        Err(other) => panic!("expected a length verdict, got {other:?}"),
    }
}

#[test]
fn error_messages_never_contain_the_password() {
    for input in [
        "omniverse://alice:hunter2@host:0/",
        "omniverse://alice:hunter2@host/a\tb",
        "omniverse://alice:hunter2@my host/a b",
        "omniverse://alice:hunter2@/x",
        "ftp://alice:hunter2@host/",
        "http://alice:hunter2@host:abc/",
        "http://alice:hunter2@[::1/",
        "omniverse://alice:hun#ter2@host/",
        "omniverse://alice:hun/ter2@host/",
    ] {
        let message = err(input).to_string();
        assert!(
            !message.contains("hunter2") && !message.contains("ter2"),
            "{input}: {message}"
        );
        assert!(!format!("{:?}", err(input)).contains("ter2"), "{input}");
    }
}

#[test]
fn whitespace_in_the_path_is_percent_encoded() {
    for (input, normal) in [
        (
            "omniverse://server/Projects/My Project/",
            "omniverse://server/Projects/My%20Project/",
        ),
        ("s3://bucket/foo bar", "s3://bucket/foo%20bar"),
        (
            "file:///My Documents/a b.usd",
            "file:///My%20Documents/a%20b.usd",
        ),
        (
            "https://host/a\u{a0}b\u{3000}c",
            "https://host/a%C2%A0b%E3%80%80c",
        ),
        ("https:\\\\host\\a b", "https://host/a%20b"),
        ("az://c@acct/my folder/x", "az://c@acct/my%20folder/x"),
    ] {
        assert_eq!(cm_url::normalize(input).as_deref(), Ok(normal), "{input:?}");
        assert_eq!(
            cm_url::normalize(normal).as_deref(),
            Ok(normal),
            "{input:?}"
        );
    }
}

/// A key behind an encoded `:` or a `;` in an Azure container, or a name that is not a
/// container name, is refused, and the message never shows the key.
#[test]
fn azure_container_names_are_validated_and_never_leak_a_key() {
    for input in [
        "az://c%3ASECRET3@acct3/",
        "az://c%3aSECRET3@acct3/",
        "az://%3ASECRET@acct/x",
        "abfss://fs%3ASECRET@acct.dfs.core.windows.net/",
        "az://c;SECRET@acct/",
        "wasbs://c%3BSECRET@acct.blob.core.windows.net/",
        "az://c%00@acct/",
        "az://c%0A@acct/",
        "az://é@acct/",
        "az://c.d@acct/",
    ] {
        let error = err(input);
        assert!(
            matches!(&error, UrlError::BadHost { host, .. } if host.is_empty()),
            "{input}: {error:?}"
        );
        let message = error.to_string();
        assert!(!message.contains("SECRET"), "{input}: {message}");
        assert!(message.contains("container"), "{input}: {message}");
    }
    assert_eq!(
        err("az://c%3ASECRET3@acct3/").to_string(),
        "bad host in \"az://c%3AREDACTED@acct3/\": the part before '@' in az:// URLs is the container (file system) name, which uses only ASCII letters, digits, '-' and '_', at most 63 characters (no '%', ':' or ';'); put keys in a credential, not the URL"
    );
    let long = format!("az://{}@acct/", "a".repeat(64));
    assert!(matches!(err(&long), UrlError::BadHost { .. }));
    for special in ["az://$root@acct/", "az://$web@acct/", "az://$logs@acct/"] {
        assert!(cm_url::parse(special).is_ok(), "{special}");
    }
}

/// An `@` with no container before it would make the account the container: refused.
#[test]
fn empty_azure_container_is_no_host() {
    for (input, scheme) in [
        ("az://@acct2/", "az"),
        ("az://:SECRET@acct/", "az"),
        ("abfss://@acct.dfs.core.windows.net/", "abfss"),
        ("wasbs://@acct.blob.core.windows.net/c", "wasbs"),
    ] {
        let error = err(input);
        assert!(
            matches!(&error, UrlError::NoHost { scheme: s, .. } if s == scheme),
            "{input}: {error:?}"
        );
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }
}

/// The server root keeps the scheme (abfs and abfss differ in TLS), as the README table says.
#[test]
fn azure_server_roots_keep_the_scheme_and_lower_case_the_container() {
    let abfs = "abfs://c1@acct.dfs.core.windows.net/x";
    assert_eq!(
        cm_url::server_root(abfs).unwrap(),
        "abfs://c1@acct.dfs.core.windows.net/"
    );
    assert!(!cm_url::is_under(
        abfs,
        "abfss://c1@acct.dfs.core.windows.net/"
    ));
    assert_eq!(
        cm_url::server_root("wasb://C1@acct.blob.core.windows.net/x").unwrap(),
        "wasb://c1@acct.blob.core.windows.net/"
    );
    assert_eq!(
        cm_url::server_root("az://C1@acct/x").unwrap(),
        cm_url::server_root("az://c1@acct/").unwrap()
    );
    assert_eq!(
        cm_url::server_root("adl://c1@acct/x").unwrap(),
        "adl://c1@acct/"
    );
}

#[test]
fn default_ignorable_code_points_in_a_host_are_refused_not_removed() {
    // IDNA maps these to nothing: `ho\u{200b}st` would be stored as `host`, a lookalike merge.
    for c in [
        '\u{ad}',
        '\u{34f}',
        '\u{115f}',
        '\u{17b4}',
        '\u{180b}',
        '\u{200b}',
        '\u{200d}',
        '\u{202e}',
        '\u{2060}',
        '\u{3164}',
        '\u{fe0f}',
        '\u{feff}',
        '\u{ffa0}',
        '\u{1bca0}',
        '\u{e0001}',
    ] {
        for scheme in ["omniverse", "https"] {
            let input = format!("{scheme}://ho{c}st/x");
            match err(&input) {
                UrlError::BadHost { host, reason, .. } => {
                    let code = format!("U+{:04X}", u32::from(c));
                    assert!(reason.contains(&code), "{input:?}: {reason}");
                    assert!(!host.contains(c), "the host is shown escaped: {host:?}");
                }
                other => panic!("{input:?}: expected BadHost, got {other:?}"),
            }
        }
    }
    // In the path they are ordinary (percent-encoded) characters.
    assert!(cm_url::parse("omniverse://host/a\u{200b}b").is_ok());
}

#[test]
fn an_empty_label_in_a_host_is_refused() {
    for input in [
        "https://.blob.core.windows.net/c/x",
        "https://a..example.com/",
        "omniverse://.host/",
        "omniverse://host../",
        "s3://.bucket/x",
        "s3://a..b/x",
    ] {
        match err(input) {
            UrlError::BadHost { reason, .. } => {
                assert!(reason.contains("empty label"), "{input}: {reason}");
            }
            other => panic!("{input}: expected BadHost, got {other:?}"),
        }
    }
    // A single trailing dot (the DNS root) stays accepted.
    assert_eq!(
        cm_url::normalize("omniverse://host./x").unwrap(),
        "omniverse://host/x"
    );
}

#[test]
fn a_file_url_with_user_info_is_refused_with_that_reason() {
    let error = err("file://u:SECRET@host/x");
    let UrlError::BadHost { reason, .. } = &error else {
        panic!("expected BadHost, got {error:?}");
    };
    assert!(reason.contains("cannot carry user info"), "{reason}");
    assert!(!error.to_string().contains("SECRET"), "{error}");
}

#[test]
fn percent_encoded_default_ignorables_in_a_host_are_refused_too() {
    for input in [
        "omniverse://ho%E2%80%8Bst/",
        "https://ho%E2%80%8Bst/",
        "https://ho%C2%ADst/",
    ] {
        match err(input) {
            UrlError::BadHost { reason, .. } => {
                assert!(
                    reason.contains("U+200B") || reason.contains("U+00AD"),
                    "{input}: {reason}"
                );
            }
            other => panic!("{input}: expected BadHost, got {other:?}"),
        }
    }
    // An escape of an ordinary character in a host still decodes as before.
    assert_eq!(
        cm_url::normalize("https://h%6Fst/").unwrap(),
        "https://host/"
    );
}
