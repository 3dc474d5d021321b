//! Storage discovery. (Being built: issue 5.)
