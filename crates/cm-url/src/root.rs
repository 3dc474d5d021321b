//! Server roots, containment and display names.
//!
//! The *server root* of a URL is the part that identifies one server entry in
//! `omniverse.toml`: `scheme://host[:port]/`, extended by the first path segment where the
//! bucket or container lives in the path (path-style S3/R2, Azure Blob/ADLS over HTTPS,
//! path-style GCS). It never contains userinfo (except the `abfs(s)://` container, which is an
//! address, not a credential), a query or a fragment, and it always ends with `/`.
//!
//! Prefix semantics: for every valid `u`, `server_root(u)` is a string prefix of
//! `without_credentials(u)` (and so of `normalize(u)` when `u` has no userinfo). The normalised
//! form of a URL that *is* a root already carries the trailing `/`, e.g.
//! `normalize("https://s3.amazonaws.com/bucket") == "https://s3.amazonaws.com/bucket/"`.

use crate::kind::RootLayout;
use crate::server_url::{ServerUrl, Userinfo};

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
    /// password or user name (other than an `abfs(s)` container) the root is a prefix of it.
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

    /// Whether this URL lies at or below `root` (see [`crate::is_under`]).
    pub fn is_under(&self, root: &ServerUrl) -> bool {
        let url = self.serialize(Userinfo::Drop, false, false);
        let mut root = root.serialize(Userinfo::Drop, false, false);
        if !root.ends_with('/') {
            root.push('/');
        }
        // `url` may be the root itself spelled without its trailing slash.
        url.starts_with(&root) || (url.len() + 1 == root.len() && root.starts_with(&url))
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
            RootLayout::FileSystem if self.host.is_empty() => "localhost".to_owned(),
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
