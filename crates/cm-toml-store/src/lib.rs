//! omniverse.toml persistence. (Being built: issue 4.)
