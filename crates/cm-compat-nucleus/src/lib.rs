//! Deprecated nucleus_connector shim. (Being built: issue 6.)
