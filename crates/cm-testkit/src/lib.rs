//! Loopback reference servers. (Being built: issue 5.)
