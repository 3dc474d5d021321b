//! The ConnectionManager actor. (Being built: issue 6.)
