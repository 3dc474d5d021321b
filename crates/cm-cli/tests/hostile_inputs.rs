//! Hostile input table: the real `cm` binary against control characters, huge and deeply
//! nested input, invalid UTF-8, odd file types (symlinks, FIFOs, devices, directories),
//! unwritable places, a full disk and URL edge cases.
//!
//! Every row runs `cm` with a timeout and checks:
//!
//! * no panic and no crash: the process exits (no timeout), with a status other than 101,
//!   not killed by a signal, and "panicked" appears nowhere on stderr;
//! * a rejected input gets a clear error: the first stderr line starts with `error:`, names
//!   the problem (the row's keywords), and holds no raw control character (which could
//!   drive the user's terminal);
//! * a failed command leaves the config byte-for-byte untouched, with the same mode, the
//!   same file type and (for a symlink) the same link and target;
//! * an input that is legitimately accepted does what the README promises (the row's check).
//!
//! Behaviour chosen for the file-system cases (cm-toml-store implements it):
//!
//! * a **symlinked config is followed**: reads go to the target, a write replaces the target
//!   atomically (same mode), and the link stays a link to the same place; a dangling link
//!   gets its target created; a symlink loop is refused ("Too many levels of symbolic links");
//! * a **read-only config** (no write bit) is refused, never replaced behind the owner's back
//!   (root included: the check is on the mode, not on access rights);
//! * only a **regular file of at most 16 MiB** is read: a FIFO, `/dev/zero`, a directory or a
//!   100 MB file is refused before any read, so nothing blocks or reads forever;
//! * an unwritable directory (root ignores permission bits, so the row uses `/proc/self`; a
//!   `chmod 0555` row runs in addition for other users) and a full disk (`RLIMIT_FSIZE` with
//!   `SIGXFSZ` ignored) fail with "nothing changed" and leave no temporary file behind.
//!
//! All rows end up in one insta snapshot table so the whole behaviour reads at once, and the
//! test prints `stress-result: hostile-inputs inputs=… panics=… files_changed=…
//! unclear_errors=…` for `cargo xtask stress`.

// Sends Unix signals and uses Unix-only calls (libc); the platforms section of the root README
// says which tests run where.
#![cfg(unix)]

use std::collections::hash_map::DefaultHasher;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Generous per-command deadline: the 2-core CI machine is loaded, and a hang is what the
/// timeout is for (a healthy row takes milliseconds).
const TIMEOUT: Duration = Duration::from_secs(20);

/// A file much larger than the store reads (its limit is 16 MiB).
const HUGE_FILE_BYTES: u64 = 100 * 1024 * 1024;

const GOOD: &str = "# keep me\n[bookmarks]\nProjects = \"omniverse://srv/Projects/\"\n\n[servers]\n\"omniverse://srv\" = \"srv\"\n";

#[derive(Clone, Copy, Debug)]
enum Surface {
    Argv,
    File,
    Url,
}

impl Surface {
    fn as_str(self) -> &'static str {
        match self {
            Surface::Argv => "argv",
            Surface::File => "file",
            Surface::Url => "url",
        }
    }
}

/// What the row expects.
enum Expect {
    /// Exit status 1 or 2; the first stderr line contains every one of these words
    /// (case-insensitively).
    Error(&'static [&'static str]),
    /// Exit 0; the check returns why the result is wrong, if it is.
    Accepted(fn(&Ran) -> Result<(), String>),
}

/// How the config path of a row is prepared, inside the row's own temp directory.
type Setup = Box<dyn Fn(&Path) -> PathBuf>;

struct Row {
    label: &'static str,
    surface: Surface,
    setup: Setup,
    args: Vec<OsString>,
    /// Run with RLIMIT_FSIZE tiny and SIGXFSZ ignored: a full disk for every write.
    full_disk: bool,
    expect: Expect,
}

/// What a row's command did.
struct Ran {
    dir: PathBuf,
    config: PathBuf,
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    stdout: Vec<u8>,
    stderr: String,
}

impl Ran {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(items: I) -> Vec<OsString> {
    items.into_iter().map(|s| s.as_ref().to_owned()).collect()
}

fn file_with(text: impl AsRef<[u8]> + 'static) -> Setup {
    Box::new(move |dir| {
        let path = dir.join("omniverse.toml");
        std::fs::write(&path, text.as_ref()).unwrap();
        path
    })
}

fn good_file() -> Setup {
    file_with(GOOD)
}

fn row(
    label: &'static str,
    surface: Surface,
    setup: Setup,
    args: Vec<OsString>,
    expect: Expect,
) -> Row {
    Row {
        label,
        surface,
        setup,
        args,
        full_disk: false,
        expect,
    }
}

/// Big inputs are built once per test process.
fn ten_mb_name_file() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        let mut text = b"[bookmarks]\n\"".to_vec();
        text.resize(text.len() + 10 * 1024 * 1024, b'n');
        text.extend_from_slice(b"\" = \"omniverse://srv/x/\"\n[servers]\n");
        text
    })
}

fn nested(open: &str, close: &str, depth: usize, prefix: &str) -> Vec<u8> {
    let mut text = String::with_capacity(depth * (open.len() + close.len()) + 64);
    text.push_str(prefix);
    for _ in 0..depth {
        text.push_str(open);
    }
    text.push('1');
    for _ in 0..depth {
        text.push_str(close);
    }
    text.push('\n');
    text.into_bytes()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: c_path is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

fn text_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn rows() -> Vec<Row> {
    let add = |name: &str, url: &str| args(["bookmark", "add", name, url]);
    let mut rows = vec![
        // ---- argv: names ----
        row(
            "name with ESC sequence",
            Surface::Argv,
            good_file(),
            add("\x1b[31mred\x1b[0m", "omniverse://srv/x/"),
            Expect::Error(&["control"]),
        ),
        row(
            "name with newline",
            Surface::Argv,
            good_file(),
            add("two\nlines", "omniverse://srv/x/"),
            Expect::Error(&["control"]),
        ),
        row(
            "name with carriage return",
            Surface::Argv,
            good_file(),
            add("over\rwrite", "omniverse://srv/x/"),
            Expect::Error(&["control"]),
        ),
        row(
            "name with bidi override U+202E",
            Surface::Argv,
            good_file(),
            add("\u{202e}gpj.exe", "omniverse://srv/x/"),
            // Not a control character; names are display text and are stored as given.
            Expect::Accepted(|ran| {
                let text = text_of(&ran.config);
                check(
                    text.contains("\"\u{202e}gpj.exe\" = \"omniverse://srv/x/\""),
                    "the bidi name is stored quoted",
                )
            }),
        ),
        row(
            "empty name",
            Surface::Argv,
            good_file(),
            add("", "omniverse://srv/x/"),
            Expect::Error(&["name", "visible"]),
        ),
        row(
            "100 KB name (argv limit is 128 KiB)",
            Surface::Argv,
            good_file(),
            add(&"n".repeat(100 * 1024), "omniverse://srv/x/"),
            Expect::Error(&["bookmark name", "102400 bytes", "limit of 1024"]),
        ),
        row(
            "invalid UTF-8 name (OsString)",
            Surface::Argv,
            good_file(),
            vec![
                "bookmark".into(),
                "add".into(),
                OsString::from_vec(b"bad\xffname".to_vec()),
                "omniverse://srv/x/".into(),
            ],
            Expect::Error(&["utf-8"]),
        ),
        row(
            "invalid UTF-8 URL (OsString)",
            Surface::Argv,
            good_file(),
            vec![
                "url".into(),
                "normalize".into(),
                OsString::from_vec(b"omniverse://h\xfe/".to_vec()),
            ],
            Expect::Error(&["utf-8"]),
        ),
        row(
            "invalid UTF-8 config path (OsString)",
            Surface::Argv,
            Box::new(|dir| dir.join(OsStr::from_bytes(b"conf\xff.toml"))),
            add("A", "omniverse://srv/a/"),
            // Paths are bytes on Unix: the file is created under that name.
            Expect::Accepted(|ran| {
                check(
                    text_of(&ran.config).contains("A = \"omniverse://srv/a/\""),
                    "the file under the non-UTF-8 name holds the bookmark",
                )
            }),
        ),
        row(
            "empty config path",
            Surface::Argv,
            Box::new(|_| PathBuf::new()),
            args(["bookmark", "list"]),
            Expect::Error(&["--config"]),
        ),
        row(
            "huge --timeout",
            Surface::Argv,
            good_file(),
            args(["ensure", "https://x.example/", "--timeout", "1e400"]),
            Expect::Error(&["timeout"]),
        ),
        row(
            "negative --debounce-ms",
            Surface::Argv,
            good_file(),
            args(["watch", "--debounce-ms", "-1"]),
            Expect::Error(&["-1"]),
        ),
        // ---- URLs ----
        row(
            "URL with ESC sequence",
            Surface::Url,
            good_file(),
            add("X", "omniverse://srv/\x1b[2J"),
            Expect::Error(&["control", "U+001B"]),
        ),
        row(
            "URL with newline",
            Surface::Url,
            good_file(),
            add("X", "omniverse://srv/a\nb"),
            Expect::Error(&["U+000A"]),
        ),
        row(
            "URL with bidi override in the path",
            Surface::Url,
            good_file(),
            add("X", "omniverse://srv/\u{202e}x/"),
            // Percent-encoded by normalisation, so it never reaches a terminal raw.
            Expect::Accepted(|ran| {
                check(
                    text_of(&ran.config).contains("X = \"omniverse://srv/%E2%80%AEx/\""),
                    "the URL is stored percent-encoded",
                )
            }),
        ),
        row(
            "URL with bidi override in the host",
            Surface::Url,
            good_file(),
            args(["url", "normalize", "omniverse://ev\u{202e}il/"]),
            Expect::Error(&["host"]),
        ),
        row(
            "URL with credentials",
            Surface::Url,
            good_file(),
            add("Me", "omniverse://alice:hunter2@srv/Users/alice/"),
            // Accepted; the user info is dropped before anything is stored or printed.
            Expect::Accepted(|ran| {
                let text = text_of(&ran.config);
                check(
                    text.contains("Me = \"omniverse://srv/Users/alice/\"")
                        && !text.contains("hunter2")
                        && !ran.stdout_text().contains("hunter2")
                        && !ran.stderr.contains("hunter2"),
                    "stored without user info, password never printed",
                )
            }),
        ),
        row(
            "URL with credentials, rejected",
            Surface::Url,
            good_file(),
            add("Me", "ftp://alice:hunter2@srv/"),
            Expect::Error(&["unknown scheme", "REDACTED"]),
        ),
        row(
            "pre-signed URL (a credential in the query)",
            Surface::Url,
            good_file(),
            add(
                "Signed",
                "https://b.s3.amazonaws.com/k.usd?X-Amz-Signature=hunter2",
            ),
            Expect::Error(&["refusing to store", "credential", "REDACTED"]),
        ),
        row(
            "IPv6 zone id",
            Surface::Url,
            good_file(),
            args(["url", "normalize", "http://[fe80::1%25eth0]:8080/"]),
            Expect::Error(&["bad host", "IPv6"]),
        ),
        row(
            "IPv6 literal",
            Surface::Url,
            good_file(),
            args(["url", "normalize", "http://[FE80:0:0::1]:8080/"]),
            Expect::Accepted(|ran| {
                check(
                    ran.stdout_text().trim() == "http://[fe80::1]:8080/",
                    "compressed, lower-case",
                )
            }),
        ),
        row(
            "64 KB URL",
            Surface::Url,
            good_file(),
            add(
                "Long",
                &format!("https://host.example/{}", "a".repeat(64 * 1024)),
            ),
            Expect::Error(&["bookmark URL", "limit of 8192"]),
        ),
        row(
            "64 KB host name",
            Surface::Url,
            good_file(),
            args([
                "url",
                "root",
                &format!("https://{}.example/", "h".repeat(64 * 1024)),
            ]),
            // DNS carries at most 253 bytes (63 per label); cm-url says so instead of
            // accepting a host that could never resolve.
            Expect::Error(&["bad host", "host names have at most 253"]),
        ),
        row(
            "percent-encoded invalid UTF-8 and NUL in the path",
            Surface::Url,
            good_file(),
            args(["url", "normalize", "https://host/%ff%FE%00/%zz/100%"]),
            Expect::Accepted(|ran| {
                check(
                    ran.stdout_text().trim() == "https://host/%FF%FE%00/%25zz/100%25",
                    "escapes upper-cased, bare % encoded",
                )
            }),
        ),
        row(
            "percent-encoded garbage in the host",
            Surface::Url,
            good_file(),
            args(["url", "normalize", "omniverse://%ff%00/"]),
            Expect::Error(&["host"]),
        ),
        row(
            "huge port number",
            Surface::Url,
            good_file(),
            add("P", "http://host:99999999999999999999/"),
            Expect::Error(&["bad port"]),
        ),
        row(
            "port 0",
            Surface::Url,
            good_file(),
            args(["server", "add", "P", "http://host:0/"]),
            Expect::Error(&["bad port"]),
        ),
        row(
            "empty URL",
            Surface::Url,
            good_file(),
            add("E", ""),
            Expect::Error(&["empty"]),
        ),
        row(
            "whitespace-only URL",
            Surface::Url,
            good_file(),
            args(["server", "remove", " \t "]),
            Expect::Error(&["empty"]),
        ),
        // ---- the file: content ----
        row(
            "NUL bytes in the file",
            Surface::File,
            file_with(b"[bookmarks]\nA = \"omniverse://a/\"\0\0\0\n"),
            add("B", "omniverse://b/"),
            Expect::Error(&["not valid TOML"]),
        ),
        row(
            "invalid UTF-8 in the file",
            Surface::File,
            file_with(b"[bookmarks]\n\"\xc3\x28\" = \"omniverse://a/\"\n"),
            args(["bookmark", "list"]),
            Expect::Error(&["not valid UTF-8"]),
        ),
        row(
            "UTF-16 file",
            Surface::File,
            file_with(b"\xff\xfe[\0b\0o\0o\0k\0m\0a\0r\0k\0s\0]\0\n\0"),
            add("B", "omniverse://b/"),
            Expect::Error(&["not valid UTF-8"]),
        ),
        row(
            "ESC sequence in a stored name",
            Surface::File,
            file_with("[bookmarks]\n\"\\u001b[2Jx\" = \"omniverse://a/\"\n[servers]\n"),
            args(["bookmark", "list"]),
            // A hand-edited (or hostile) file must not drive the terminal of whoever runs
            // `cm bookmark list`: the name is shown with the ESC written as an escape.
            Expect::Accepted(|ran| {
                let stdout = String::from_utf8_lossy(&ran.stdout);
                if ran.stdout.contains(&0x1b) {
                    Err(format!("raw ESC reached the terminal: {stdout:?}"))
                } else if !stdout.contains("\\u{1b}[2Jx") {
                    Err(format!("the name is not shown escaped: {stdout:?}"))
                } else {
                    Ok(())
                }
            }),
        ),
        row(
            "NUL and newline in a stored URL",
            Surface::File,
            file_with("[bookmarks]\nA = \"omniverse://a/\\u0000\\n\"\n[servers]\n"),
            args(["bookmark", "list"]),
            Expect::Accepted(|ran| {
                check(
                    !ran.stdout.contains(&0) && ran.stdout_text().lines().count() <= 2,
                    "no raw NUL or newline from the value on stdout",
                )
            }),
        ),
        row(
            "10 MB bookmark name in the file",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::fs::write(&path, ten_mb_name_file()).unwrap();
                path
            }),
            args(["--json", "bookmark", "list"]),
            Expect::Accepted(|ran| {
                check(
                    ran.stdout.len() > 10 * 1024 * 1024,
                    "the 10 MB name is listed",
                )
            }),
        ),
        row(
            "100 000 nested arrays",
            Surface::File,
            file_with(nested("[", "]", 100_000, "[bookmarks]\nA = ")),
            args(["bookmark", "list"]),
            Expect::Error(&["not valid TOML"]),
        ),
        row(
            "100 000 nested inline tables",
            Surface::File,
            file_with(nested("{a=", "}", 100_000, "x = ")),
            add("B", "omniverse://b/"),
            Expect::Error(&["not valid TOML"]),
        ),
        row(
            "100 000 dotted key segments",
            Surface::File,
            file_with({
                let mut text = "a.".repeat(100_000);
                text.push_str("b = 1\n");
                text.into_bytes()
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["not valid TOML"]),
        ),
        row(
            "100 000 table header segments",
            Surface::File,
            file_with({
                let mut text = "[".to_string();
                text.push_str(&"t.".repeat(100_000));
                text.push_str("u]\n");
                text.into_bytes()
            }),
            args(["server", "list"]),
            Expect::Error(&["not valid TOML"]),
        ),
        row(
            "duplicate bookmark key",
            Surface::File,
            file_with("[bookmarks]\nA = \"omniverse://a/\"\nA = \"omniverse://b/\"\n"),
            add("B", "omniverse://b/"),
            Expect::Error(&["not valid TOML", "duplicate"]),
        ),
        row(
            "100 MB config",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                let file = std::fs::File::create(&path).unwrap();
                // Sparse: instant to create, 100 MB to anyone who reads it.
                file.set_len(HUGE_FILE_BYTES).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["could not read", "limit"]),
        ),
        // ---- the file: what kind of file ----
        row(
            "config is a FIFO",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                mkfifo(&path);
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["could not read", "FIFO"]),
        ),
        row(
            "config is a symlink to /dev/zero",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
                path
            }),
            args(["bookmark", "list"]),
            Expect::Error(&["could not read", "character device"]),
        ),
        row(
            "config is a directory",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::fs::create_dir(&path).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["could not read", "directory"]),
        ),
        row(
            "config's parent is a regular file",
            Surface::File,
            Box::new(|dir| {
                std::fs::write(dir.join("parent"), GOOD).unwrap();
                dir.join("parent").join("omniverse.toml")
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["not a directory"]),
        ),
        row(
            "config is a symlink to a file (write through)",
            Surface::File,
            Box::new(|dir| {
                std::fs::create_dir(dir.join("dotfiles")).unwrap();
                let target = dir.join("dotfiles/omniverse.toml");
                std::fs::write(&target, GOOD).unwrap();
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
                let path = dir.join("omniverse.toml");
                std::os::unix::fs::symlink("dotfiles/omniverse.toml", &path).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Accepted(|ran| {
                let link = std::fs::symlink_metadata(&ran.config).map_err(|e| e.to_string())?;
                let target = ran.dir.join("dotfiles/omniverse.toml");
                let mode = std::fs::metadata(&target)
                    .map_err(|e| e.to_string())?
                    .mode();
                check(
                    link.file_type().is_symlink()
                        && std::fs::read_link(&ran.config).ok()
                            == Some(PathBuf::from("dotfiles/omniverse.toml"))
                        && text_of(&target).starts_with("# keep me\n")
                        && text_of(&target).contains("B = \"omniverse://b/\"")
                        && mode & 0o777 == 0o640,
                    "the link stays a link to the same target, which got the edit and kept mode 0640",
                )
            }),
        ),
        row(
            "config is a dangling symlink",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::os::unix::fs::symlink("dotfiles/new.toml", &path).unwrap();
                std::fs::create_dir(dir.join("dotfiles")).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Accepted(|ran| {
                let link = std::fs::symlink_metadata(&ran.config).map_err(|e| e.to_string())?;
                check(
                    link.file_type().is_symlink()
                        && text_of(&ran.dir.join("dotfiles/new.toml"))
                            .contains("B = \"omniverse://b/\""),
                    "the link stays a link; the file is created where it points",
                )
            }),
        ),
        row(
            "config is a symlink loop",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::os::unix::fs::symlink("loop.toml", &path).unwrap();
                std::os::unix::fs::symlink("omniverse.toml", dir.join("loop.toml")).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["could not read", "symbolic links"]),
        ),
        row(
            "read-only config file (0444)",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::fs::write(&path, GOOD).unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["read-only"]),
        ),
        row(
            "lock file is a directory",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::fs::write(&path, GOOD).unwrap();
                std::fs::create_dir(dir.join("omniverse.toml.lock")).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["lock"]),
        ),
        row(
            "lock file is a FIFO",
            Surface::File,
            Box::new(|dir| {
                let path = dir.join("omniverse.toml");
                std::fs::write(&path, GOOD).unwrap();
                mkfifo(&dir.join("omniverse.toml.lock"));
                path
            }),
            add("B", "omniverse://b/"),
            // The lock is only ever flock()ed, never read: a FIFO works as a lock.
            Expect::Accepted(|ran| {
                check(
                    text_of(&ran.config).contains("B = \"omniverse://b/\""),
                    "the edit went through",
                )
            }),
        ),
    ];

    // An unwritable directory, for every user: nobody can create files in /proc.
    rows.push(row(
        "read-only directory (/proc/self)",
        Surface::File,
        Box::new(|_| PathBuf::from("/proc/self/omniverse.toml")),
        add("B", "omniverse://b/"),
        Expect::Error(&["nothing changed", "could not"]),
    ));
    // The same with permission bits, which root ignores: only for other users, and not in
    // the snapshot (its error text differs from the /proc one).
    if !is_root() {
        rows.push(row(
            "read-only directory (mode 0555)",
            Surface::File,
            Box::new(|dir| {
                let sub = dir.join("ro");
                std::fs::create_dir(&sub).unwrap();
                let path = sub.join("omniverse.toml");
                std::fs::write(&path, GOOD).unwrap();
                std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o555)).unwrap();
                path
            }),
            add("B", "omniverse://b/"),
            Expect::Error(&["nothing changed", "permission denied"]),
        ));
    } else {
        println!(
            "read-only directory (mode 0555): skipped, running as root (permission bits do not apply); the /proc row covers it"
        );
    }

    let mut full_disk = row(
        "full disk (RLIMIT_FSIZE)",
        Surface::File,
        good_file(),
        add("B", &format!("omniverse://b/{}", "x".repeat(4096))),
        Expect::Error(&["nothing changed", "file too large"]),
    );
    full_disk.full_disk = true;
    rows.push(full_disk);
    rows
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected: {what}"))
    }
}

/// Type, mode, link target and content of a path, without blocking on a FIFO or reading a
/// device.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint(Vec<String>);

fn fingerprint(path: &Path) -> Fingerprint {
    let mut parts = Vec::new();
    let mut current = path.to_path_buf();
    for _ in 0..8 {
        let Ok(meta) = std::fs::symlink_metadata(&current) else {
            parts.push("missing".to_string());
            break;
        };
        let kind = meta.file_type();
        parts.push(format!("mode {:o}", meta.mode()));
        if kind.is_symlink() {
            let target = std::fs::read_link(&current).unwrap_or_default();
            parts.push(format!("link {}", target.display()));
            current = current.parent().unwrap_or(Path::new("/")).join(target);
        } else if kind.is_file() {
            let mut hasher = DefaultHasher::new();
            let mut file = std::fs::File::open(&current).unwrap();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                buf[..n].hash(&mut hasher);
            }
            parts.push(format!("file {} bytes {:x}", meta.len(), hasher.finish()));
            break;
        } else {
            let what = if kind.is_fifo() {
                "fifo"
            } else if kind.is_dir() {
                "dir"
            } else {
                "other"
            };
            parts.push(what.to_string());
            break;
        }
    }
    Fingerprint(parts)
}

/// Temporary files of an atomic write that a failed command left in `dir` (or its
/// `dotfiles`/`ro` subdirectories).
fn temp_leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("dotfiles"), dir.join("ro")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.contains(".tmp-") {
                    found.push(name);
                }
            }
        }
    }
    found
}

fn run(row: &Row, dir: &Path, config: &Path) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cm"));
    command
        .env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .arg("--config")
        .arg(config)
        .args(&row.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if row.full_disk {
        // SAFETY: between fork and exec the closure only calls async-signal-safe functions
        // (signal, setrlimit) and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let limit = libc::rlimit {
                    rlim_cur: 1024,
                    rlim_max: 1024,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = command.spawn().unwrap();
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut bytes);
        bytes
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + TIMEOUT;
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (status, false);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break (child.wait().unwrap(), true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        dir: dir.to_path_buf(),
        config: config.to_path_buf(),
        code: status.code(),
        signal: status.signal(),
        timed_out,
        stdout: stdout_reader.join().unwrap(),
        stderr: String::from_utf8_lossy(&stderr_reader.join().unwrap()).into_owned(),
    }
}

/// The first stderr line (or, for a success with a quiet stderr, the first stdout line),
/// with temp paths and process ids replaced, control characters escaped and long lines cut.
fn shown_line(ran: &Ran) -> String {
    let (source, line) = match ran.stderr.lines().next() {
        Some(line) if !line.trim().is_empty() => ("", line.to_string()),
        _ => (
            "stdout: ",
            ran.stdout_text().lines().next().unwrap_or("").to_string(),
        ),
    };
    let mut line = line
        .trim()
        .replace(&ran.dir.display().to_string(), "[DIR]")
        .replace("conf\u{fffd}.toml", "conf\\xff.toml");
    // Temp file names carry the writer's pid.
    while let Some(start) = line.find(".tmp-").map(|i| i + ".tmp-".len()) {
        let digits = line[start..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
            .count();
        if digits == 0 {
            break;
        }
        line.replace_range(start..start + digits, "[PID]");
    }
    let mut shown: String = line.escape_debug().to_string();
    if shown.chars().count() > 150 {
        shown = shown.chars().take(150).collect::<String>() + "…";
    }
    format!("{source}{shown}")
}

#[test]
fn hostile_inputs_never_panic_never_touch_the_file_and_fail_clearly() {
    let started = Instant::now();
    let rows = rows();
    let mut table = String::from("input | surface | exit | first line\n---|---|---|---\n");
    let (mut panics, mut files_changed, mut unclear) = (0, 0, 0);
    let mut problems = Vec::new();
    for row in &rows {
        let dir = tempfile::tempdir().unwrap();
        let config = (row.setup)(dir.path());
        let before = fingerprint(&config);
        let ran = run(row, dir.path(), &config);
        let after = fingerprint(&config);
        let exit = match (ran.timed_out, ran.code, ran.signal) {
            (true, _, _) => "timeout".to_string(),
            (_, Some(code), _) => code.to_string(),
            (_, None, Some(signal)) => format!("signal {signal}"),
            _ => "?".to_string(),
        };
        let first = shown_line(&ran);
        if row.label.contains("mode 0555") {
            // Kept out of the snapshot: only non-root users run it.
            std::fs::set_permissions(
                dir.path().join("ro"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
        }
        let leftovers = temp_leftovers(dir.path());
        if !leftovers.is_empty() {
            files_changed += 1;
            problems.push(format!(
                "{}: temporary files left behind: {leftovers:?}",
                row.label
            ));
        }
        if !row.label.contains("mode 0555") {
            writeln!(
                table,
                "{} | {} | {exit} | {first}",
                row.label,
                row.surface.as_str()
            )
            .unwrap();
        }

        let crashed = ran.timed_out
            || ran.code.is_none()
            || ran.code == Some(101)
            || ran.stderr.contains("panicked");
        if crashed {
            panics += 1;
            problems.push(format!(
                "{}: crashed/hung ({exit}): {}",
                row.label, ran.stderr
            ));
            continue;
        }
        let first_line = ran.stderr.lines().next().unwrap_or("");
        if first_line.chars().any(char::is_control) || ran.stderr.contains('\x1b') {
            unclear += 1;
            problems.push(format!("{}: raw control character on stderr", row.label));
        }
        match &row.expect {
            Expect::Error(words) => {
                if ran.code == Some(0) {
                    problems.push(format!("{}: accepted, expected an error", row.label));
                }
                let lower = first_line.to_lowercase();
                let named = first_line.starts_with("error:")
                    && words.iter().all(|w| lower.contains(&w.to_lowercase()));
                if !named {
                    unclear += 1;
                    problems.push(format!(
                        "{}: unclear error {first_line:?}, expected the words {words:?}",
                        row.label
                    ));
                }
                if before != after {
                    files_changed += 1;
                    problems.push(format!(
                        "{}: failed but changed the file: {before:?} -> {after:?}",
                        row.label
                    ));
                }
            }
            Expect::Accepted(check) => {
                if ran.code != Some(0) {
                    problems.push(format!(
                        "{}: expected success, got {exit}: {}",
                        row.label, ran.stderr
                    ));
                    if before != after {
                        files_changed += 1;
                    }
                } else if let Err(why) = check(&ran) {
                    problems.push(format!("{}: {why}", row.label));
                }
            }
        }
    }
    println!(
        "stress-result: hostile-inputs inputs={} panics={panics} files_changed={files_changed} unclear_errors={unclear}",
        rows.len()
    );
    println!(
        "hostile inputs took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(rows.len() >= 40, "only {} hostile inputs", rows.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    insta::assert_snapshot!(table);
}
