//! The ConnectionRegistry actor. (Being built: issue 5.)
