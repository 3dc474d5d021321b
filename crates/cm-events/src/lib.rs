//! The kernel event system. (Being built: issue 3.)
