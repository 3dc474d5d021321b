//! URL parsing, normalisation and classification for storage servers. (Being built: issue 2.)
