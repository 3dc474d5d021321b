//! What a write refuses before anything is written, and why.
//!
//! A write API must not produce what its own loader would skip or refuse, so every
//! [`Change`] is checked with the loader's rules before the file is touched:
//!
//! * a URL the change writes must be one the loader accepts without an `InvalidUrl` warning
//!   (the same `url_rules::validate`);
//! * names and URLs have length limits ([`MAX_NAME_BYTES`], [`MAX_URL_BYTES`]);
//! * the new file must stay within what the loader reads ([`crate::MAX_FILE_BYTES`]);
//! * an entry the loader skipped because it has the wrong type (`A = 1` in `[bookmarks]`) is
//!   never replaced silently: replacing it loses what the user wrote there, so it takes
//!   [`crate::TomlStore::replacing_wrong_typed_entries`].
//!
//! Removals are never refused: they write nothing new, and they are how a hand-written bad
//! entry is taken out.

use std::fmt;

use crate::{Change, Section};

/// The longest bookmark, server or discovery server name a change may write, in bytes.
///
/// A name is a label shown on one line (Kit's bookmark list, `cm` tables); 1 KiB is about ten
/// times the longest label anyone can read there, and still small enough that a file of
/// 10 000 entries stays a few MB. A longer name is a mistake (a pasted document) or an attack.
pub const MAX_NAME_BYTES: usize = 1024;

/// The longest URL a change may write, in bytes.
///
/// RFC 9110 (section 4.1) asks HTTP implementations to support request targets of at least
/// 8 000 octets, and common servers and proxies refuse more (nginx and many CDNs stop at
/// 8 KiB of request line): a longer URL could be stored but not reliably requested.
pub const MAX_URL_BYTES: usize = 8192;

/// Why a change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A URL the change would write is one the loader warns about and callers skip.
    InvalidUrl {
        /// The section the entry belongs to.
        section: Section,
        /// The entry's name (bookmark name, server or discovery server name), shortened.
        entry: String,
        /// The URL, redacted and shortened.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A name or URL is longer than its limit.
    TooLong {
        /// What is too long: "bookmark name", "server URL", ...
        what: &'static str,
        /// Its length in bytes.
        length: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The change would replace an entry the loader skipped because of its type.
    WrongTypedEntry {
        /// The section holding it.
        section: Section,
        /// Its key (bookmark name or server URL), or the discovery server's URL.
        entry: String,
        /// The field, inside a discovery server table.
        field: Option<&'static str>,
        /// The TOML type found.
        found: &'static str,
    },
    /// The file after the change would be larger than the loader reads.
    FileTooLarge {
        /// The size the file would have, in bytes.
        size: u64,
        /// The loader's limit, in bytes.
        limit: u64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::InvalidUrl {
                section,
                entry,
                url,
                reason,
            } => write!(f, "[{section}] {entry:?}: invalid URL {url:?}: {reason}"),
            Refusal::TooLong {
                what,
                length,
                limit,
            } => {
                let why = if what.ends_with("URL") {
                    "RFC 9110 asks servers to take 8 000 octets; longer URLs are not reliably served"
                } else {
                    "a name is a one-line label"
                };
                write!(
                    f,
                    "the {what} is {length} bytes, over the limit of {limit} bytes ({why})"
                )
            }
            Refusal::WrongTypedEntry {
                section,
                entry,
                field,
                found,
            } => {
                write!(f, "[{section}] {entry:?} ")?;
                if let Some(field) = field {
                    write!(f, "has a field `{field}` that ")?;
                }
                write!(
                    f,
                    "holds {} {found}, which the loader skips; replacing it would lose it \
                     (fix or remove it by hand, or force the replacement)",
                    article(found)
                )
            }
            Refusal::FileTooLarge { size, limit } => write!(
                f,
                "the file would grow to {size} bytes, over the {} MiB that omniverse.toml \
                 may hold, and could no longer be read",
                limit / (1024 * 1024)
            ),
        }
    }
}

fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `text` shortened to at most 80 characters, for messages.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

fn check_name(what: &'static str, name: &str) -> Result<(), Refusal> {
    if name.len() > MAX_NAME_BYTES {
        return Err(Refusal::TooLong {
            what,
            length: name.len(),
            limit: MAX_NAME_BYTES,
        });
    }
    Ok(())
}

fn check_url(what: &'static str, section: Section, entry: &str, url: &str) -> Result<(), Refusal> {
    if url.len() > MAX_URL_BYTES {
        return Err(Refusal::TooLong {
            what,
            length: url.len(),
            limit: MAX_URL_BYTES,
        });
    }
    crate::url_rules::validate(url).map_err(|reason| Refusal::InvalidUrl {
        section,
        entry: shortened(entry),
        url: shortened(&cm_url::redact(url)),
        reason,
    })
}

/// Checks what `change` would write with the loader's rules and the length limits.
///
/// Cached discovery addresses are not checked: the loader does not check them either, they
/// come from a discovery server rather than from the caller, and the file size limit bounds
/// them.
pub(crate) fn check_change(change: &Change) -> Result<(), Refusal> {
    match change {
        Change::AddBookmark { name, url }
        | Change::RenameBookmark {
            new_name: name,
            url,
            ..
        } => {
            check_name("bookmark name", name)?;
            check_url("bookmark URL", Section::Bookmarks, name, url)
        }
        Change::SetServer { url, name } => {
            check_name("server name", name)?;
            check_url("server URL", Section::Servers, name, url)
        }
        Change::SetDiscoveryServer(entry) => {
            check_name("discovery server name", &entry.name)?;
            check_url(
                "discovery server URL",
                Section::DiscoveryServers,
                &entry.name,
                &entry.url,
            )
        }
        Change::RemoveBookmark { .. }
        | Change::RemoveServer { .. }
        | Change::SetDiscoveryAddresses { .. }
        | Change::RemoveDiscoveryServer { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_and_why_on_one_line() {
        let long = Refusal::TooLong {
            what: "bookmark name",
            length: 102_400,
            limit: MAX_NAME_BYTES,
        };
        assert_eq!(
            long.to_string(),
            "the bookmark name is 102400 bytes, over the limit of 1024 bytes (a name is a one-line label)"
        );
        let typed = Refusal::WrongTypedEntry {
            section: Section::Bookmarks,
            entry: "A".into(),
            field: None,
            found: "integer",
        };
        assert!(
            typed
                .to_string()
                .starts_with("[bookmarks] \"A\" holds an integer")
        );
        let err = check_change(&Change::AddBookmark {
            name: "new\nline".into(),
            url: "ftp://user:secret@not allowed".into(),
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains('\n') && !text.contains("secret"), "{text}");
        assert!(matches!(err, Refusal::InvalidUrl { .. }));
    }
}
