//! Server roots, containment and display names.
//!
//! The *server root* of a URL is the part that identifies one server entry in
//! `omniverse.toml`: `scheme://host[:port]/`, extended by the first path segment where the
//! bucket or container lives in the path (path-style S3/R2, Azure Blob/ADLS over HTTPS,
//! path-style GCS). It never contains userinfo (except the Azure container before `@`, which is
//! an address, not a credential), a query or a fragment, and it always ends with `/`.
//!
//! Prefix semantics: for every valid `u`, `server_root(u)` is a string prefix of
//! `without_credentials(u)` (and so of `normalize(u)` when `u` has no userinfo). The normalised
//! form of a URL that *is* a root already carries the trailing `/`, e.g.
//! `normalize("https://s3.amazonaws.com/bucket") == "https://s3.amazonaws.com/bucket/"`.

use std::borrow::Cow;

use crate::kind::RootLayout;
use crate::plain::PlainUrl;
use crate::server_url::{ServerUrl, Userinfo};

/// A root prepared for many containment tests: its comparison form (normalised, without
/// credentials, query or fragment; the Azure container kept) ending with `/`. `contains`
/// is [`is_under`](crate::is_under) at segment boundaries without re-serialising the root,
/// and [`contains_plain`](Self::contains_plain) answers it for an already-normal URL without
/// parsing that at all (the lookup index's fast path).
///
/// ```
/// let root = cm_url::RootPrefix::new(&cm_url::parse("omniverse://host/ab").unwrap());
/// assert_eq!(root.as_str(), "omniverse://host/ab/");
/// assert!(root.contains(&cm_url::parse("OMNIVERSE://user@Host/ab/c.usd").unwrap()));
/// assert!(root.contains_plain(cm_url::plain("omniverse://host/ab").unwrap()));
/// assert!(!root.contains_plain(cm_url::plain("omniverse://host/abc").unwrap()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RootPrefix {
    prefix: String,
}

impl RootPrefix {
    /// Prepares `root` (given with or without its trailing `/`).
    pub fn new(root: &ServerUrl) -> Self {
        let mut prefix = root.comparison_form().into_owned();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Self { prefix }
    }

    /// The comparison form, ending with `/`.
    pub fn as_str(&self) -> &str {
        &self.prefix
    }

    /// Whether `url` lies at or below this root.
    pub fn contains(&self, url: &ServerUrl) -> bool {
        self.contains_comparison_form(&url.comparison_form())
    }

    /// [`contains`](Self::contains) for a URL that [`plain`](crate::plain) recognised: it is
    /// its own comparison form (no user info, query or fragment), so no parse is needed.
    pub fn contains_plain(&self, url: PlainUrl<'_>) -> bool {
        self.contains_comparison_form(url.as_str())
    }

    /// The segment-boundary prefix test; `url` may be the root itself spelled without its
    /// trailing slash.
    fn contains_comparison_form(&self, url: &str) -> bool {
        url.starts_with(&self.prefix)
            || (url.len() + 1 == self.prefix.len() && self.prefix.starts_with(url))
    }
}

impl ServerUrl {
    /// The canonical server root; always ends with `/`. See the [module docs](crate#server-roots).
    ///
    /// ```
    /// let url = cm_url::parse("https://acct.blob.core.windows.net/models/car.usd?sig=x").unwrap();
    /// assert_eq!(url.server_root(), "https://acct.blob.core.windows.net/models/");
    /// ```
    pub fn server_root(&self) -> String {
        let mut root = String::with_capacity(self.serialized_len_bound());
        self.push_origin(&mut root, Userinfo::Drop);
        root.push('/');
        if self.layout == RootLayout::FirstSegment
            && let Some(segment) = self.first_segment()
        {
            root.push_str(segment);
            root.push('/');
        }
        root
    }

    /// [`server_root`](Self::server_root), reusing the normal form's buffer: without a
    /// password or user name (other than an Azure container) the root is a prefix of it.
    pub(crate) fn into_server_root(mut self) -> String {
        let userinfo_kept_in_root = self.password.is_none()
            && (self.username.is_empty() || self.layout == RootLayout::ContainerInUserinfo);
        if !userinfo_kept_in_root {
            return self.server_root();
        }
        // The path starts with `/`, and a first segment that belongs to the root is always
        // followed by `/` (a lone bucket segment gets one during normalisation).
        let mut end = self.path.start + 1;
        if self.layout == RootLayout::FirstSegment
            && let Some(segment) = self.first_segment()
        {
            end += segment.len() + 1;
        }
        debug_assert_eq!(self.serialized[..end], self.server_root());
        self.serialized.truncate(end);
        self.serialized
    }

    /// Whether this URL denotes its own server root (no deeper path, no query, no fragment).
    pub fn is_server_root(&self) -> bool {
        self.query.is_none()
            && self.fragment.is_none()
            && self.without_credentials() == self.server_root()
    }

    /// Whether this URL lies at or below `root` (see [`crate::is_under`]). To test many URLs
    /// against one root, build its [`RootPrefix`] once.
    pub fn is_under(&self, root: &ServerUrl) -> bool {
        RootPrefix::new(root).contains(self)
    }

    /// `scheme://[container@]host[:port]`: the authority of the [server root](Self::server_root)
    /// (no credentials; the Azure container kept), and so a prefix of it. Two URLs can only lie
    /// under one root when their origins are equal, which makes it the key to bucket roots by.
    /// For a [`plain`](crate::plain) URL it equals [`PlainUrl::origin`](crate::PlainUrl::origin).
    ///
    /// ```
    /// let url = cm_url::parse("OMNIVERSE://alice:pw@Server:3009/x").unwrap();
    /// assert_eq!(url.origin(), "omniverse://server:3009");
    /// assert_eq!(cm_url::parse("az://c@acct/x").unwrap().origin(), "az://c@acct");
    /// ```
    pub fn origin(&self) -> Cow<'_, str> {
        let comparison = self.comparison_form();
        match comparison {
            Cow::Borrowed(text) => Cow::Borrowed(&text[..text.len() - self.path.len()]),
            Cow::Owned(mut text) => {
                text.truncate(text.len() - self.path.len());
                Cow::Owned(text)
            }
        }
    }

    /// The form containment compares: normalised, without credentials (the Azure container
    /// kept), query or fragment. Borrowed from the normal form when there is nothing to drop.
    fn comparison_form(&self) -> Cow<'_, str> {
        let userinfo_kept = self.password.is_none()
            && (self.username.is_empty() || self.layout == RootLayout::ContainerInUserinfo);
        if userinfo_kept {
            Cow::Borrowed(&self.serialized[..self.path.end])
        } else {
            Cow::Owned(self.serialize(Userinfo::Drop, false, false))
        }
    }

    /// A display name for a server entry when the user gives none: the host; `host/container`
    /// or `host/bucket` when the root includes a path segment; the bucket for `s3://` and
    /// `gs://` (and the container for `az://`); `localhost` for a local `file:` URL.
    ///
    /// ```
    /// assert_eq!(cm_url::parse("gs://my-bucket/a/b").unwrap().fallback_name(), "my-bucket");
    /// ```
    pub fn fallback_name(&self) -> String {
        match self.layout {
            // A local directory is named after its last segment (`file:///mnt/share/a.usd`
            // → `share`); the file system root, which has none, is `localhost`.
            RootLayout::FileSystem if self.host.is_empty() => {
                let path = self.path();
                let directory = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
                directory
                    .split('/')
                    .rfind(|segment| !segment.is_empty())
                    .map_or_else(
                        || "localhost".to_owned(),
                        // A name is for reading: `My%20Scenes` is shown as `My Scenes`.
                        crate::redact::percent_decode_lossy,
                    )
            }
            RootLayout::Host | RootLayout::FileSystem => self.host().to_owned(),
            RootLayout::FirstSegment => match self.first_segment() {
                Some(segment) => format!("{}/{segment}", self.host()),
                None => self.host().to_owned(),
            },
            RootLayout::ContainerInUserinfo => {
                format!("{}/{}", self.host(), self.part(self.username))
            }
        }
    }

    /// The first non-empty path segment, if any.
    fn first_segment(&self) -> Option<&str> {
        self.path()
            .split('/')
            .nth(1)
            .filter(|segment| !segment.is_empty())
    }
}
