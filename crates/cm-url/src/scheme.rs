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
        // Lower-cased into a stack buffer and matched at once: a scan of the table with
        // `eq_ignore_ascii_case` cost a tenth of a whole normalisation.
        let mut buffer = [0u8; 9];
        let lower = buffer.get_mut(..name.len())?;
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        Some(match &*lower {
            b"omniverse" => Scheme::Omniverse,
            b"http" => Scheme::Http,
            b"https" => Scheme::Https,
            b"s3" => Scheme::S3,
            b"s3a" => Scheme::S3a,
            b"s3n" => Scheme::S3n,
            b"gs" => Scheme::Gs,
            b"az" => Scheme::Az,
            b"azure" => Scheme::Azure,
            b"adl" => Scheme::Adl,
            b"abfs" => Scheme::Abfs,
            b"abfss" => Scheme::Abfss,
            b"wasb" => Scheme::Wasb,
            b"wasbs" => Scheme::Wasbs,
            b"file" => Scheme::File,
            _ => return None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_scheme_is_found_in_any_case_and_nothing_else() {
        let listed: Vec<&str> = EXPECTED_SCHEMES.split(", ").collect();
        assert_eq!(listed.len(), 15);
        for name in &listed {
            let scheme = Scheme::from_name(name).unwrap();
            assert_eq!(scheme.as_str(), *name);
            assert_eq!(Scheme::from_name(&name.to_ascii_uppercase()), Some(scheme));
        }
        for other in ["", "ftp", "omniverses", "s3x", "omniverse1", "httpss", "é"] {
            assert_eq!(Scheme::from_name(other), None, "{other}");
        }
    }
}
