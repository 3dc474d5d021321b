//! The network seam: what discovery needs from a backend.

use futures::future::BoxFuture;

use crate::error::DiscoveryError;

/// The result of one successful discovery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discovered {
    /// Valid storage addresses, normalised by `cm_url::without_credentials` (user info
    /// stripped), duplicates removed, in the server's order.
    pub addresses: Vec<String>,
    /// Entries that were dropped because they are not valid URLs.
    pub rejected: Vec<RejectedAddress>,
}

/// A storage address from a discovery document that was not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedAddress {
    /// The entry as sent, redacted.
    pub address: String,
    /// Why it was rejected.
    pub reason: String,
}

/// Asks a discovery server which storage services it knows: the counterpart of omni.client's
/// `register_storage_from_discovery_with_callback`, minus the registration (the owner of the
/// result decides what to do with it).
///
/// Object-safe (`Arc<dyn DiscoveryClient>`), `Send + Sync`, and free of `async_trait`: the
/// method returns a boxed future. [`HttpDiscoveryClient`](crate::HttpDiscoveryClient) speaks the
/// stand-in protocol of `docs/PROTOCOL.md`; a real backend implements this trait instead.
///
/// ```
/// use cm_discovery::{Discovered, DiscoveryClient, DiscoveryError};
/// use futures::future::BoxFuture;
///
/// /// A backend that always knows the same server.
/// struct Fixed;
///
/// impl DiscoveryClient for Fixed {
///     fn discover<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<Discovered, DiscoveryError>> {
///         Box::pin(async {
///             Ok(Discovered { addresses: vec!["omniverse://storage.example/".into()], rejected: vec![] })
///         })
///     }
/// }
///
/// let client: std::sync::Arc<dyn DiscoveryClient> = std::sync::Arc::new(Fixed);
/// let found = futures::executor::block_on(client.discover("https://discovery.example/")).unwrap();
/// assert_eq!(found.addresses.len(), 1);
/// ```
pub trait DiscoveryClient: Send + Sync + 'static {
    /// Runs one discovery against `discovery_url` (one attempt; retrying is the caller's job,
    /// see [`DiscoveryError::is_retryable`] and [`retry`](crate::retry)).
    fn discover<'a>(
        &'a self,
        discovery_url: &'a str,
    ) -> BoxFuture<'a, Result<Discovered, DiscoveryError>>;
}
