//! The connection manager workspace, as one crate.
//!
//! This facade re-exports every library crate of the workspace under a short
//! name, for applications that want the whole system behind one dependency.
//! Each crate can also be used on its own; see its README.

pub use cm_compat_nucleus as compat_nucleus;
pub use cm_discovery as discovery;
pub use cm_events as events;
pub use cm_manager as manager;
pub use cm_registry as registry;
pub use cm_toml_store as toml_store;
pub use cm_url as url;
