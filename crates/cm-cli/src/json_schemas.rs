//! The `--json` schemas, shipped with the binary: each is the `after_long_help` of the command
//! that prints it, so `cm bookmark list --help` says what `cm bookmark list --json` prints
//! without the crate README at hand. The README's "JSON output" table says the same; these
//! strings are the contract's copy in the binary, and the help snapshots pin them.

/// `cm bookmark list --json`.
pub(crate) const BOOKMARK_LIST: &str = "\
JSON (--json):
    {\"<name>\": \"<url>\", ...}   in file order; URLs normalised and redacted

    add/remove print {\"added\"|\"removed\": {\"name\", \"url\"}},
    rename prints {\"renamed\": {\"old_name\", \"new_name\", \"url\"}}.";

/// `cm server list --json`.
pub(crate) const SERVER_LIST: &str = "\
JSON (--json):
    [{\"name\", \"url\", \"kind\", \"source\": \"manual\"|\"discovery\", \"discovery_url\"?}]
    kind: nucleus, http, s3, azure, gcs or file; discovery_url only for source \"discovery\"

    add/remove print {\"added\"|\"removed\": {\"name\", \"url\", \"kind\"}},
    rename prints {\"renamed\": {\"old_name\", \"new_name\", \"url\", \"kind\"}}.";

/// `cm discovery list --json`.
pub(crate) const DISCOVERY_LIST: &str = "\
JSON (--json):
    [{\"name\", \"url\", \"kind\": \"discovery\", \"status\", \"addresses\": [url...],
      \"cached\": bool, \"error\"?}]
    status: pending, discovering, ready or error (refresh reports the real outcome);
    cached: the addresses are the file's cache, not discovered in this run

    add/remove print {\"added\"|\"removed\": {\"name\", \"url\", \"kind\": \"discovery\"}}.";

/// `cm watch --json`.
pub(crate) const WATCH: &str = "\
JSON (--json): one object per line,
    {\"event\": \"omni.kit.widget.connection_manager.<UPPER_SNAKE>\", \"payload\": {...},
     \"time\": \"<RFC 3339, UTC>\"}
    payload keys are the registry's; every payload has \"url\" (redacted).
    An edit that leaves the file unusable: {\"error\": \"<message>\", \"path\": \"<file>\"}.";

/// `cm config path --json`.
pub(crate) const CONFIG_PATH: &str = "\
JSON (--json):
    {\"path\", \"source\": \"flag\"|\"env\"|\"default\", \"exists\": bool}";

/// `cm config show --json`.
pub(crate) const CONFIG_SHOW: &str = "\
JSON (--json):
    {\"path\", \"source\": \"flag\"|\"env\"|\"default\", \"exists\": bool, \"old_style\": bool,
     \"bookmarks\": {\"<name>\": \"<url>\", ...},
     \"servers\": [{\"name\", \"url\", \"kind\"}],
     \"discovery_servers\": [{\"name\", \"url\", \"cached_addresses\": [url...]}],
     \"warnings\": [{\"line\", \"column\", \"section\", \"entry\", \"message\"}]}";

/// `cm ensure --json` and `cm reconnect --json`.
pub(crate) const ENSURE: &str = "\
JSON (--json):
    {\"url\", \"reachable\": bool, \"reason\": string, \"checked\": bool, \"detail\"?}
    reason: one plain line; checked: false when the server was not contacted (a non-Nucleus
    URL without --probe, a discovery-provided URL); detail: the full error chain of a failure";

/// `cm disconnect --json`.
pub(crate) const DISCONNECT: &str = "\
JSON (--json):
    {\"url\", \"server\", \"signed_out\": bool, \"had_session\": bool}
    signed_out: true only when a session was ended";

/// `cm migrate --json`.
pub(crate) const MIGRATE: &str = "\
JSON (--json):
    {\"path\", \"dry_run\", \"migrated\", \"servers_added\": [{\"name\", \"url\"}],
     \"bookmarks_removed\": [{\"name\", \"url\"}], \"skipped\": [{\"name\", \"url\", \"reason\"}],
     \"bookmarks_kept\": [{\"name\", \"url\", \"reason\"}], \"names_changed\": [{\"derived\", \"name\"}],
     \"diff\": \"<unified diff>\"}";

/// `cm url ... --json`.
pub(crate) const URL: &str = "\
JSON (--json):
    {\"input\", \"normalized\"|\"root\"|\"kind\", \"redacted\": bool}
    input: as given with --show-secrets, else with its secrets redacted";
