//! The URL schemes cm-url accepts, and how each one treats hosts and ports.
//!
//! The `url` crate parses `http`, `https` and `file` as *special* schemes (IDNA hosts, default
//! ports, `\` as `/`), and everything else as *opaque*: the host is kept as written and
//! percent-encoded. cm-url then re-parses opaque hosts itself so that `omniverse://Server.` and
//! `omniverse://server` normalise to the same thing.

/// One of the accepted schemes, after lower-casing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Omniverse,
    Http,
    Https,
    S3,
    Gs,
    Az,
    Azure,
    Abfs,
    Abfss,
    File,
}

/// The accepted schemes, in the order error messages list them.
pub(crate) const EXPECTED_SCHEMES: &str =
    "omniverse, http, https, s3, gs, az, azure, abfs, abfss, file";

impl Scheme {
    /// Looks a scheme up case-insensitively.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        const TABLE: [(&str, Scheme); 10] = [
            ("omniverse", Scheme::Omniverse),
            ("http", Scheme::Http),
            ("https", Scheme::Https),
            ("s3", Scheme::S3),
            ("gs", Scheme::Gs),
            ("az", Scheme::Az),
            ("azure", Scheme::Azure),
            ("abfs", Scheme::Abfs),
            ("abfss", Scheme::Abfss),
            ("file", Scheme::File),
        ];
        TABLE
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, scheme)| scheme)
    }

    /// The canonical (lower-case) spelling.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Scheme::Omniverse => "omniverse",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::S3 => "s3",
            Scheme::Gs => "gs",
            Scheme::Az => "az",
            Scheme::Azure => "azure",
            Scheme::Abfs => "abfs",
            Scheme::Abfss => "abfss",
            Scheme::File => "file",
        }
    }

    /// Whether the `url` crate already parsed the host as a domain (IDNA, lower case).
    pub(crate) const fn has_special_host(self) -> bool {
        matches!(self, Scheme::Http | Scheme::Https | Scheme::File)
    }

    /// Whether the "host" is really a bucket or container name (`s3://bucket`, `az://container`).
    ///
    /// Such names are ASCII, take no port and are never IP addresses.
    pub(crate) const fn host_is_bucket(self) -> bool {
        matches!(self, Scheme::S3 | Scheme::Gs | Scheme::Az | Scheme::Azure)
    }

    /// Whether a URL of this scheme must name a host (all but `file:`).
    pub(crate) const fn needs_host(self) -> bool {
        !matches!(self, Scheme::File)
    }
}
