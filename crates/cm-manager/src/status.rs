//! Connection status of one storage server, and the only transitions it may make.
//!
//! The names are omni.client's (`eConnecting`, `eConnected`, ...). A server nobody has talked
//! to yet is [`ConnectionStatus::Disconnected`]. Every change goes through
//! [`ConnectionStatus::can_transition_to`], so a status stream never shows an impossible step
//! (for example `SignedOut` straight to `Connected` without a `Connecting` in between).
//!
//! The transition table is on [`ConnectionStatus`].
//!
//! ```
//! use cm_manager::ConnectionStatus::*;
//!
//! assert!(Disconnected.can_transition_to(Connecting));
//! assert!(Connecting.can_transition_to(AuthCancelled));
//! assert!(!SignedOut.can_transition_to(Connected));
//! assert!(!Connected.can_transition_to(AuthFailed));
//! ```

use std::fmt;

/// Where the connection to one storage server stands (omni.client's `ConnectionStatus`).
///
/// The only transitions a status makes ([`can_transition_to`](Self::can_transition_to)):
///
/// | from \ to | Connecting | Connected | failures¹ | Disconnected | SignedOut |
/// |---|---|---|---|---|---|
/// | Connecting | – | yes | yes | yes | yes |
/// | Connected | yes (re-auth, reconnect) | – | no | yes (dropped) | yes |
/// | Disconnected | yes | no | no | – | yes |
/// | SignedOut | yes | no | no | no | – |
/// | a failure¹ | yes | no | no | no | yes |
///
/// ¹ `ConnectError`, `AuthAbort`, `AuthCancelled`, `AuthError`, `AuthFailed`,
/// `ServerIncompatible`, `InvalidHost`: the outcomes of a failed attempt, reachable only from
/// `Connecting`. Staying in the same status is not a transition (nothing is reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ConnectionStatus {
    /// An attempt to connect (and sign in) is under way.
    Connecting,
    /// Connected and signed in; requests can be made.
    Connected,
    /// The server could not be reached (refused, timed out, failed).
    ConnectError,
    /// Not connected: never connected yet, or the connection dropped.
    Disconnected,
    /// The user signed out; credentials were forgotten.
    SignedOut,
    /// The authentication callback aborted the sign-in.
    AuthAbort,
    /// The user cancelled an interactive sign-in.
    AuthCancelled,
    /// Signing in failed for a reason other than wrong credentials (bad answer, network).
    AuthError,
    /// The credentials were rejected (too many times).
    AuthFailed,
    /// The server speaks a protocol version this client does not.
    ServerIncompatible,
    /// The host name is not valid or cannot be resolved.
    InvalidHost,
}

impl ConnectionStatus {
    /// Every status, in declaration order (the order of the transition table).
    pub const ALL: [ConnectionStatus; 11] = [
        Self::Connecting,
        Self::Connected,
        Self::ConnectError,
        Self::Disconnected,
        Self::SignedOut,
        Self::AuthAbort,
        Self::AuthCancelled,
        Self::AuthError,
        Self::AuthFailed,
        Self::ServerIncompatible,
        Self::InvalidHost,
    ];

    /// The outcome of a failed attempt (reachable only from `Connecting`).
    pub const fn is_failure(self) -> bool {
        matches!(
            self,
            Self::ConnectError
                | Self::AuthAbort
                | Self::AuthCancelled
                | Self::AuthError
                | Self::AuthFailed
                | Self::ServerIncompatible
                | Self::InvalidHost
        )
    }

    /// Whether moving from `self` to `to` is allowed (see the table on [`ConnectionStatus`]).
    /// Staying put (`self == to`) is not a transition and returns `false`.
    pub const fn can_transition_to(self, to: ConnectionStatus) -> bool {
        use ConnectionStatus::*;
        match (self, to) {
            (Connecting, Connecting) => false,
            (Connecting, _) => true,
            (Connected, Connecting | Disconnected | SignedOut) => true,
            (Disconnected, Connecting | SignedOut) => true,
            (SignedOut, Connecting) => true,
            (from, Connecting | SignedOut) if from.is_failure() => true,
            _ => false,
        }
    }

    /// The omni.client-style name, e.g. `"Connected"`, `"AuthCancelled"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "Connecting",
            Self::Connected => "Connected",
            Self::ConnectError => "ConnectError",
            Self::Disconnected => "Disconnected",
            Self::SignedOut => "SignedOut",
            Self::AuthAbort => "AuthAbort",
            Self::AuthCancelled => "AuthCancelled",
            Self::AuthError => "AuthError",
            Self::AuthFailed => "AuthFailed",
            Self::ServerIncompatible => "ServerIncompatible",
            Self::InvalidHost => "InvalidHost",
        }
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status change that the table does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("connection status cannot go from {from} to {to}")]
pub struct InvalidTransition {
    /// The status before.
    pub from: ConnectionStatus,
    /// The status asked for.
    pub to: ConnectionStatus,
}

#[cfg(test)]
mod tests {
    use super::ConnectionStatus::{self, *};

    #[test]
    fn failures_are_reachable_only_from_connecting() {
        for from in ConnectionStatus::ALL {
            for to in ConnectionStatus::ALL.into_iter().filter(|s| s.is_failure()) {
                assert_eq!(
                    from.can_transition_to(to),
                    from == Connecting,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn connected_needs_connecting_first() {
        for from in ConnectionStatus::ALL {
            assert_eq!(from.can_transition_to(Connected), from == Connecting);
        }
    }

    #[test]
    fn every_status_can_start_a_new_attempt_except_connecting() {
        for from in ConnectionStatus::ALL {
            assert_eq!(from.can_transition_to(Connecting), from != Connecting);
        }
    }

    #[test]
    fn staying_put_is_never_a_transition() {
        for s in ConnectionStatus::ALL {
            assert!(!s.can_transition_to(s));
        }
    }
}
