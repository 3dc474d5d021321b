//! What kind of storage a URL points at, and where its server root ends.
//!
//! Classification looks only at the scheme and the normalised host; the table is on [`UrlKind`].

use std::fmt;

use crate::scheme::Scheme;

/// The storage family a URL belongs to.
///
/// Classification looks only at the scheme and the normalised host:
///
/// | URL form | kind | server root |
/// |---|---|---|
/// | `omniverse://host` | Nucleus | `omniverse://host[:port]/` |
/// | `http(s)://host` (anything not below) | Http | `https://host[:port]/` |
/// | `https://bucket.s3[.region].amazonaws.com`, `bucket.s3-region…`, `bucket.s3-accelerate…` | S3 | host |
/// | `https://s3[.region].amazonaws.com/bucket`, `s3-region.amazonaws.com/bucket` | S3 | host + `/bucket/` |
/// | `https://account.r2.cloudflarestorage.com/bucket` (also `.eu.`/`.fedramp.`) | S3 | host + `/bucket/` |
/// | `https://bucket.account.r2.cloudflarestorage.com` | S3 | host |
/// | `s3://bucket`, `s3a://bucket`, `s3n://bucket` (Hadoop/Spark) | S3 | `s3://bucket/` |
/// | `https://account.blob\|dfs.core.windows.net/container` (+ China, US Gov clouds) | Azure | host + `/container/` |
/// | `https://account.dfs\|blob.fabric.microsoft.com/workspace` (OneLake) | Azure | host + `/workspace/` |
/// | `abfs(s)://container@account.dfs.core.windows.net` (also `…fabric.microsoft.com`) | Azure | `abfs(s)://container@host/` (scheme kept: abfs and abfss differ in TLS) |
/// | `wasb(s)://container@account.blob.core.windows.net` | Azure | `wasb(s)://container@host/` (scheme kept) |
/// | `abfs(s)\|wasb(s)://account.dfs.core.windows.net/container` (no container before `@`) | Azure | host + `/container/` |
/// | `abfs(s)://container/path` (no account host) | Azure | `abfs(s)://container/` |
/// | `az://container`, `azure://container`, `adl://container` | Azure | same scheme, `://container/` (`az://container/`) |
/// | `az://container@account`, `adl://container@account…` | Azure | same scheme, `://container@account/` (container lower-cased) |
/// | `adl://account.azuredatalakestore.net` (Data Lake Gen1) | Azure | `adl://host/` |
/// | `https://storage.googleapis.com/bucket`, `storage.cloud.google.com/bucket` | Gcs | host + `/bucket/` |
/// | `https://bucket.storage.googleapis.com` | Gcs | host |
/// | `gs://bucket` | Gcs | `gs://bucket/` |
/// | `file:///path` | File | `file:///` (or `file://host/`) |
///
/// ```
/// use cm_url::UrlKind;
/// assert_eq!(cm_url::kind("https://bucket.s3.us-west-2.amazonaws.com/a.usd").unwrap(), UrlKind::S3);
/// assert_eq!(UrlKind::S3.as_str(), "s3");
/// assert_eq!(UrlKind::Nucleus.to_string(), "nucleus");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum UrlKind {
    /// An Omniverse Nucleus server (`omniverse://`).
    Nucleus,
    /// A plain HTTP(S) server that is none of the object stores below.
    Http,
    /// Amazon S3 or an S3-compatible store recognised by host name (Cloudflare R2), or
    /// `s3://`, `s3a://`, `s3n://`.
    S3,
    /// Azure Blob Storage, ADLS Gen2 or OneLake (`*.blob|dfs.core.windows.net`,
    /// `*.dfs|blob.fabric.microsoft.com`, `abfs(s)://`, `wasb(s)://`, `adl://`, `az://`, `azure://`).
    Azure,
    /// Google Cloud Storage (`storage.googleapis.com`, `gs://`).
    Gcs,
    /// A local or UNC file (`file://`).
    File,
}

impl UrlKind {
    /// Every kind, in declaration order.
    pub const ALL: [UrlKind; 6] = [
        UrlKind::Nucleus,
        UrlKind::Http,
        UrlKind::S3,
        UrlKind::Azure,
        UrlKind::Gcs,
        UrlKind::File,
    ];

    /// The stable lower-case name: `"nucleus"`, `"http"`, `"s3"`, `"azure"`, `"gcs"` or `"file"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            UrlKind::Nucleus => "nucleus",
            UrlKind::Http => "http",
            UrlKind::S3 => "s3",
            UrlKind::Azure => "azure",
            UrlKind::Gcs => "gcs",
            UrlKind::File => "file",
        }
    }
}

impl fmt::Display for UrlKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a URL's server root ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RootLayout {
    /// `scheme://host[:port]/`.
    Host,
    /// `scheme://host[:port]/<first path segment>/` (path-style buckets, Azure containers).
    FirstSegment,
    /// `scheme://container@host[:port]/` (`az`, `abfs(s)`, `wasb(s)`, `adl`): the container
    /// sits where userinfo usually is.
    ContainerInUserinfo,
    /// `file://[host]/`: one local file system is one server.
    FileSystem,
}

/// Classifies a URL by scheme and normalised (lower-case, ASCII) host.
///
/// `has_username` matters only for the Azure schemes, where the user name is the container
/// (see [`Scheme::userinfo_is_container`]).
pub(crate) fn classify(scheme: Scheme, host: &str, has_username: bool) -> (UrlKind, RootLayout) {
    match scheme {
        Scheme::Omniverse => (UrlKind::Nucleus, RootLayout::Host),
        Scheme::S3 | Scheme::S3a | Scheme::S3n => (UrlKind::S3, RootLayout::Host),
        Scheme::Gs => (UrlKind::Gcs, RootLayout::Host),
        _ if has_username && scheme.userinfo_is_container() => {
            (UrlKind::Azure, RootLayout::ContainerInUserinfo)
        }
        // `az://container`, `adl://container` (object_store) or
        // `adl://account.azuredatalakestore.net` (Data Lake Gen1 has no containers).
        Scheme::Az | Scheme::Azure | Scheme::Adl => (UrlKind::Azure, RootLayout::Host),
        // Some tools write `abfss://account.dfs.core.windows.net/container/path`; without an
        // account host the host is the container (`abfs://container/path`, as object_store
        // and fsspec read it).
        Scheme::Abfs | Scheme::Abfss | Scheme::Wasb | Scheme::Wasbs => {
            if is_azure_storage_host(host) {
                (UrlKind::Azure, RootLayout::FirstSegment)
            } else {
                (UrlKind::Azure, RootLayout::Host)
            }
        }
        Scheme::File => (UrlKind::File, RootLayout::FileSystem),
        Scheme::Http | Scheme::Https => classify_web_host(host),
    }
}

/// Recognises object stores behind `http(s)://` by their well-known host names.
fn classify_web_host(host: &str) -> (UrlKind, RootLayout) {
    if let Some(layout) = aws_s3_layout(host).or_else(|| r2_layout(host)) {
        (UrlKind::S3, layout)
    } else if is_azure_storage_host(host) {
        (UrlKind::Azure, RootLayout::FirstSegment)
    } else if let Some(layout) = gcs_layout(host) {
        (UrlKind::Gcs, layout)
    } else {
        (UrlKind::Http, RootLayout::Host)
    }
}

/// Amazon S3: the host holds an `s3` / `s3-…` label (`s3`, `s3-us-west-2`, `s3-accelerate`,
/// `s3-external-1`, `s3express-…`). Labels before it are the bucket (virtual-hosted style);
/// none means the bucket is the first path segment (path style).
fn aws_s3_layout(host: &str) -> Option<RootLayout> {
    let labels = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    // The last s3 label wins so that a bucket called `s3-data` (in `s3-data.s3.amazonaws.com`)
    // is not mistaken for the endpoint.
    let (position, _) = labels
        .split('.')
        .enumerate()
        .filter(|(_, label)| {
            *label == "s3" || label.starts_with("s3-") || label.starts_with("s3express-")
        })
        .last()?;
    Some(if position == 0 {
        RootLayout::FirstSegment
    } else {
        RootLayout::Host
    })
}

/// Cloudflare R2: `account.r2.cloudflarestorage.com/bucket` (optionally with an `eu` or
/// `fedramp` jurisdiction label) is path style; `bucket.account.r2…` is virtual-hosted.
fn r2_layout(host: &str) -> Option<RootLayout> {
    let labels = host.strip_suffix(".r2.cloudflarestorage.com")?;
    let mut parts = labels.split('.');
    let path_style = match (parts.next(), parts.next(), parts.next()) {
        (Some(_account), None, _) => true,
        (Some(_account), Some(jurisdiction), None) => matches!(jurisdiction, "eu" | "fedramp"),
        _ => false,
    };
    Some(if path_style {
        RootLayout::FirstSegment
    } else {
        RootLayout::Host
    })
}

/// Azure Blob / ADLS Gen2 endpoints in the public, China and US Government clouds, and
/// Microsoft Fabric's OneLake (`onelake.dfs.fabric.microsoft.com/workspace/…`), whose first
/// path segment is the workspace, the container of its Data Lake API.
fn is_azure_storage_host(host: &str) -> bool {
    const SUFFIXES: [&str; 8] = [
        ".blob.core.windows.net",
        ".dfs.core.windows.net",
        ".blob.core.chinacloudapi.cn",
        ".dfs.core.chinacloudapi.cn",
        ".blob.core.usgovcloudapi.net",
        ".dfs.core.usgovcloudapi.net",
        ".dfs.fabric.microsoft.com",
        ".blob.fabric.microsoft.com",
    ];
    SUFFIXES.iter().any(|suffix| {
        host.strip_suffix(suffix)
            .is_some_and(|account| !account.is_empty() && !account.contains('.'))
    })
}

/// Google Cloud Storage XML API and browser endpoints.
fn gcs_layout(host: &str) -> Option<RootLayout> {
    match host {
        "storage.googleapis.com" | "storage.cloud.google.com" => Some(RootLayout::FirstSegment),
        _ if host.ends_with(".storage.googleapis.com") => Some(RootLayout::Host),
        _ => None,
    }
}
