//! Why a registry request was refused or only partly done.

use crate::file_save::StoreError;
use crate::ids::ServerId;
use cm_url::UrlError;

/// Why a registry request failed.
///
/// All variants except [`RegistryError::NotSaved`] mean the request changed
/// nothing. URLs inside errors are redacted, so an error can be logged or shown
/// as is.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The URL is not one the registry can store.
    ///
    /// The message is cm-url's, which already quotes the (redacted, escaped) input: quoting it
    /// here too printed it twice, and escaped its escapes a second time.
    #[error("invalid URL: {source}")]
    InvalidUrl {
        /// The URL as given (redacted).
        url: String,
        /// What cm-url found wrong with it.
        #[source]
        source: UrlError,
    },
    /// The URL carries a credential in a query or fragment parameter (a pre-signed or SAS URL,
    /// `?token=`): what the registry holds is written to `omniverse.toml`, a plain-text file
    /// that never holds a secret, and cutting the parameter out would store a different URL.
    #[error(
        "refusing to store {url:?}: its {key:?} parameter is a credential, and omniverse.toml never holds one; store the URL without it (sign-in supplies credentials)"
    )]
    CredentialInUrl {
        /// The URL as given (redacted).
        url: String,
        /// The parameter's key, as written.
        key: String,
    },
    /// A discovery URL that is not `http` or `https`.
    #[error("unsupported discovery URL {url:?}: discovery servers are reached over http or https")]
    UnsupportedDiscoveryUrl {
        /// The URL as given (redacted).
        url: String,
    },
    /// A bookmark or server name is empty, only whitespace, or contains a
    /// control character (it would not survive a round trip through the file).
    #[error("invalid name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A bookmark with this name already exists.
    #[error("a bookmark named {name:?} already exists")]
    DuplicateBookmarkName {
        /// The name asked for.
        name: String,
    },
    /// A bookmark already points at this URL.
    #[error("bookmark {existing:?} already points at {url:?}")]
    DuplicateBookmarkUrl {
        /// The normalised, redacted URL.
        url: String,
        /// The bookmark that has it.
        existing: String,
    },
    /// No bookmark has this name.
    #[error("no bookmark named {name:?}")]
    UnknownBookmark {
        /// The name asked for.
        name: String,
    },
    /// A server (discovery or manual) with this name already exists.
    #[error("a server named {name:?} already exists (id {existing})")]
    DuplicateServerName {
        /// The name asked for.
        name: String,
        /// The server that has it.
        existing: ServerId,
    },
    /// A server of the same kind already has this URL.
    #[error("server {existing} already has the URL {url:?}")]
    DuplicateServerUrl {
        /// The normalised, redacted URL.
        url: String,
        /// The server that has it.
        existing: ServerId,
    },
    /// No discovery server has this id.
    #[error("no discovery server with id {id}")]
    UnknownDiscoveryServer {
        /// The id asked for.
        id: ServerId,
    },
    /// No manual server has this id.
    #[error("no manual server with id {id}")]
    UnknownManualServer {
        /// The id asked for.
        id: ServerId,
    },
    /// The change was applied in memory and announced, but writing
    /// `omniverse.toml` failed (for example because the file on disk is
    /// malformed, which is never overwritten). The registry keeps the change
    /// and writes it with the next successful save.
    #[error("changed in memory but not saved to omniverse.toml: {source}")]
    NotSaved {
        /// The server the request created, when it created one.
        server_id: Option<ServerId>,
        /// Why the write failed.
        #[source]
        source: StoreError,
    },
    /// `omniverse.toml` could not be read or is malformed; the registry kept
    /// its state (returned by an explicit reload).
    #[error("omniverse.toml not reloaded; keeping the current state: {source}")]
    LoadFailed {
        /// Why the file could not be used.
        #[source]
        source: StoreError,
    },
    /// The registry actor has stopped; nothing was done.
    #[error("the connection registry has stopped")]
    Stopped,
}

impl RegistryError {
    /// True when the request's change is in effect (in memory) despite the
    /// error, i.e. for [`RegistryError::NotSaved`].
    pub fn change_applied(&self) -> bool {
        matches!(self, RegistryError::NotSaved { .. })
    }
}
