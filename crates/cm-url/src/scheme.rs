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
    /// Hadoop/Spark's S3A connector: the same buckets as `s3://`.
    S3a,
    /// Hadoop's older S3N connector.
    S3n,
    Gs,
    Az,
    Azure,
    /// Azure Data Lake (Hadoop's `adl://account.azuredatalakestore.net`).
    Adl,
    Abfs,
    Abfss,
    /// Hadoop's Azure Blob connector: `wasb(s)://container@account.blob.core.windows.net`.
    Wasb,
    Wasbs,
    File,
}

/// The accepted schemes, in the order error messages list them.
pub(crate) const EXPECTED_SCHEMES: &str =
    "omniverse, http, https, s3, s3a, s3n, gs, az, azure, adl, abfs, abfss, wasb, wasbs, file";

impl Scheme {
    /// Looks a scheme up case-insensitively.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        const TABLE: [(&str, Scheme); 15] = [
            ("omniverse", Scheme::Omniverse),
            ("http", Scheme::Http),
            ("https", Scheme::Https),
            ("s3", Scheme::S3),
            ("s3a", Scheme::S3a),
            ("s3n", Scheme::S3n),
            ("gs", Scheme::Gs),
            ("az", Scheme::Az),
            ("azure", Scheme::Azure),
            ("adl", Scheme::Adl),
            ("abfs", Scheme::Abfs),
            ("abfss", Scheme::Abfss),
            ("wasb", Scheme::Wasb),
            ("wasbs", Scheme::Wasbs),
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
            Scheme::S3a => "s3a",
            Scheme::S3n => "s3n",
            Scheme::Gs => "gs",
            Scheme::Az => "az",
            Scheme::Azure => "azure",
            Scheme::Adl => "adl",
            Scheme::Abfs => "abfs",
            Scheme::Abfss => "abfss",
            Scheme::Wasb => "wasb",
            Scheme::Wasbs => "wasbs",
            Scheme::File => "file",
        }
    }

    /// Whether the `url` crate already parsed the host as a domain (IDNA, lower case).
    pub(crate) const fn has_special_host(self) -> bool {
        matches!(self, Scheme::Http | Scheme::Https | Scheme::File)
    }

    /// Whether the "host" is really a bucket or container name (`s3://bucket`, `az://container`),
    /// or, after a container (`az://container@account`), the storage account's name.
    ///
    /// Such names are ASCII, take no port and are never IP addresses.
    pub(crate) const fn host_is_bucket(self) -> bool {
        matches!(
            self,
            Scheme::S3 | Scheme::S3a | Scheme::S3n | Scheme::Gs | Scheme::Az | Scheme::Azure
        )
    }

    /// Whether the user-info position names the Azure container or file system
    /// (`az://container@account`, `abfss://fs@account.dfs.core.windows.net`,
    /// `wasbs://container@account.blob.core.windows.net`), which is an address, not a
    /// credential: it stays in the normal form, the server root and the stored key, and is
    /// never redacted. A password after it (`container:secret@`) is still a secret.
    pub(crate) const fn userinfo_is_container(self) -> bool {
        matches!(
            self,
            Scheme::Az
                | Scheme::Azure
                | Scheme::Adl
                | Scheme::Abfs
                | Scheme::Abfss
                | Scheme::Wasb
                | Scheme::Wasbs
        )
    }

    /// Whether a URL of this scheme must name a host (all but `file:`).
    pub(crate) const fn needs_host(self) -> bool {
        !matches!(self, Scheme::File)
    }
}
