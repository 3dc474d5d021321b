//! The typed content of our three sections, independent of TOML formatting.

/// One `[bookmarks]` entry: `name = url`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BookmarkEntry {
    /// The bookmark's display name (the TOML key).
    pub name: String,
    /// The URL it points at, as written.
    pub url: String,
}

/// One `[servers]` entry: `url = name` (each URL listed once).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerEntry {
    /// The server URL (the TOML key), as written.
    pub url: String,
    /// The display name.
    pub name: String,
}

/// One `[[discovery_servers]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DiscoveryEntry {
    /// The display name.
    pub name: String,
    /// The discovery URL.
    pub url: String,
    /// Storage addresses found by the last discovery, reused until the next one finishes.
    pub cached_addresses: Vec<String>,
}

/// Everything the connection manager keeps in omniverse.toml, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sections {
    /// `[bookmarks]`, in file order.
    pub bookmarks: Vec<BookmarkEntry>,
    /// `[servers]`, in file order.
    pub servers: Vec<ServerEntry>,
    /// `[[discovery_servers]]`, in file order.
    pub discovery_servers: Vec<DiscoveryEntry>,
}

impl Sections {
    /// The URL of the bookmark called `name`, if any.
    pub fn bookmark(&self, name: &str) -> Option<&str> {
        self.bookmarks
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.url.as_str())
    }

    /// The `[servers]` entry whose URL is `url` exactly as written, if any.
    pub fn server(&self, url: &str) -> Option<&ServerEntry> {
        self.servers.iter().find(|s| s.url == url)
    }

    /// The discovery server whose URL is `url` exactly as written, if any.
    pub fn discovery_server(&self, url: &str) -> Option<&DiscoveryEntry> {
        self.discovery_servers.iter().find(|d| d.url == url)
    }
}

/// The result of reading the file: typed sections plus warnings about skipped
/// or suspicious entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loaded {
    /// The sections' content.
    pub sections: Sections,
    /// Entries that were skipped (wrong type) or kept but look wrong (invalid URL).
    pub warnings: Vec<crate::LoadWarning>,
}
