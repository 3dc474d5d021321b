//! omniverse.toml where dotfile managers, other users and root meet it, with real `cm`
//! processes (issue 14, items 2, 5, 6 and the lock part of 10):
//!
//! * writers through a **symlink** and through its **target** at once lose nothing and fail
//!   nothing (the link resolves to one lock, one directory for temp file and rename), and
//!   the link stays a link;
//! * **root** editing a user's file leaves file and lock file owned by the user, with the
//!   file's group and mode;
//! * a user who **may not write the file** (but may create files in its directory) is
//!   refused with exit 2 and the reason, the file untouched;
//! * a **held lock** is named on stderr after a second and given up on (exit 1) after
//!   `--lock-timeout`; released in time, the waiting write goes through.
//!
//! The ownership tests need root (to create files of another uid and to run `cm` as that
//! uid); run as another user they print why they are skipped. `CM_STRESS_LINK_PROCESSES`
//! (default 4) and `CM_STRESS_LINK_ADDS` (per process, default 15) size the symlink run,
//! which prints `stress-result: symlinked-writers …`.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cm_testkit::wait;
use common::{cm_command, stderr};

const START: &str =
    "# this comment and [paths] must survive\n[paths]\nkeep = \"me\"\n\n[bookmarks]\n\n[servers]\n";

/// The uid/gid of `nobody`, the other user of these tests.
const OTHER: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// The names of leftover temporary files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// `dotfiles/omniverse.toml` (the real file) and `config/omniverse.toml`, a relative link
/// to it through a second link, as stow or home-manager lay them out.
fn dotfile_layout(root: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(root.join("dotfiles/omni")).unwrap();
    std::fs::create_dir(root.join("config")).unwrap();
    let target = root.join("dotfiles/omni/omniverse.toml");
    std::fs::write(&target, START).unwrap();
    symlink("omni/omniverse.toml", root.join("dotfiles/omniverse.toml")).unwrap();
    let link = root.join("config/omniverse.toml");
    symlink("../dotfiles/omniverse.toml", &link).unwrap();
    (link, target)
}

#[test]
fn writers_through_a_link_and_through_its_target_lose_nothing() {
    let processes = env_number("CM_STRESS_LINK_PROCESSES", 4);
    let adds = env_number("CM_STRESS_LINK_ADDS", 15);
    let dir = tempfile::tempdir().unwrap();
    let (link, target) = dotfile_layout(dir.path());
    let started = Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..processes)
            .map(|w| {
                // Half the writers through the link, half through the target.
                let path = if w % 2 == 0 { &link } else { &target };
                scope.spawn(move || {
                    let mut failed = Vec::new();
                    for i in 0..adds {
                        let out = cm_command()
                            .arg("--config")
                            .arg(path)
                            .args(["bookmark", "add", &format!("w{w}-{i:03}")])
                            .arg(format!("omniverse://host-{w}/item/{i}/"))
                            .output()
                            .unwrap();
                        if !out.status.success() {
                            failed.push(format!("w{w}-{i:03}: {}", stderr(&out)));
                        }
                    }
                    failed
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&target).unwrap();
    let loaded = cm_toml_store::TomlStore::new(&target)
        .load()
        .expect("the file parses");
    let lost: Vec<String> = (0..processes)
        .flat_map(|w| (0..adds).map(move |i| (w, i)))
        .filter(|&(w, i)| {
            loaded.sections.bookmark(&format!("w{w}-{i:03}"))
                != Some(format!("omniverse://host-{w}/item/{i}/").as_str())
        })
        .map(|(w, i)| format!("w{w}-{i:03}"))
        .collect();
    let leftovers = temp_files(target.parent().unwrap());
    println!(
        "stress-result: symlinked-writers processes={processes} adds={} failed={} lost={} leftover_temp_files={} seconds={seconds:.1}",
        processes * adds,
        failures.len(),
        lost.len(),
        leftovers.len()
    );
    assert!(failures.is_empty(), "failed adds: {failures:#?}");
    assert!(lost.is_empty(), "lost adds: {lost:?}");
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(text.starts_with("# this comment and [paths] must survive\n[paths]\nkeep = \"me\"\n"));
    // Both links are still links, and the lock sits next to the real file only.
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(
        std::fs::symlink_metadata(dir.path().join("dotfiles/omniverse.toml"))
            .unwrap()
            .is_symlink()
    );
    assert!(target.with_file_name("omniverse.toml.lock").is_file());
    assert!(!dir.path().join("config/omniverse.toml.lock").exists());
    assert!(!dir.path().join("dotfiles/omniverse.toml.lock").exists());
}

/// An editor that saves in place (re-read, truncate, a pause, write) while fresh `cm`
/// processes add bookmarks: a `cm` started in the pause meets an empty file it never saw
/// before and must not take it for the user's truth (the attack on the commit check lost 56
/// of 100 such editor saves to 8 `cm` processes). Every editor save must survive; a `cm` add
/// the editor wrote over from its own stale read is the editor's doing and is only counted.
#[test]
fn fresh_cm_processes_against_an_in_place_editor_lose_no_editor_save() {
    let processes = env_number("CM_STRESS_EDITOR_PROCESSES", 3);
    let adds = env_number("CM_STRESS_EDITOR_ADDS", 8);
    let saves = env_number("CM_STRESS_EDITOR_SAVES", 24);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("omniverse.toml");
    std::fs::write(&config, START).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let editor = scope.spawn(|| {
            for j in 0..saves {
                let text = std::fs::read_to_string(&config).unwrap();
                let saved = text.replacen(
                    "[bookmarks]\n",
                    &format!("[bookmarks]\ne{j:02} = \"omniverse://editor/{j}/\"\n"),
                    1,
                );
                assert_ne!(saved, text, "the editor read a file without [bookmarks]");
                let mut file = std::fs::File::create(&config).unwrap(); // truncates
                // The pause is the scenario (a slow in-place save), not a wait for anything.
                std::thread::sleep(Duration::from_millis(5 + 7 * (j as u64 % 6)));
                file.write_all(saved.as_bytes()).unwrap();
                drop(file);
                std::thread::sleep(Duration::from_millis(15));
            }
            done.store(true, std::sync::atomic::Ordering::Release);
        });
        for w in 0..processes {
            let (config, done) = (&config, &done);
            scope.spawn(move || {
                for i in 0..adds {
                    if done.load(std::sync::atomic::Ordering::Acquire) && i > 0 {
                        break;
                    }
                    let out = cm_command()
                        .arg("--config")
                        .arg(config)
                        .args(["bookmark", "add", &format!("w{w}-{i:02}")])
                        .arg(format!("omniverse://host-{w}/item/{i}/"))
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "w{w}-{i:02}: {}", stderr(&out));
                }
            });
        }
        editor.join().unwrap();
    });
    let loaded = cm_toml_store::TomlStore::new(&config)
        .load()
        .expect("the file parses");
    let lost: Vec<usize> = (0..saves)
        .filter(|j| {
            loaded.sections.bookmark(&format!("e{j:02}"))
                != Some(format!("omniverse://editor/{j}/").as_str())
        })
        .collect();
    let cm_adds = (0..processes)
        .flat_map(|w| (0..adds).map(move |i| format!("w{w}-{i:02}")))
        .filter(|name| loaded.sections.bookmark(name).is_some())
        .count();
    println!(
        "editor saves {saves}, lost {}; cm adds kept {cm_adds}",
        lost.len()
    );
    assert_eq!(lost, Vec::<usize>::new(), "editor saves written over by cm");
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .starts_with("# this comment and [paths] must survive\n")
    );
}

/// Makes `path` belong to `uid`:`gid`.
fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The `cm` binary as a std command (for spawning), with `cm_command`'s environment.
fn std_cm() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cm"));
    command
        .env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0");
    command
}

/// `cm` running as `nobody` (uid and gid 65534, no supplementary groups).
fn cm_as_other_user() -> Command {
    let mut command = std_cm();
    // SAFETY: only async-signal-safe calls (setgroups, setgid, setuid) between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(OTHER) != 0
                || libc::setuid(OTHER) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

#[test]
fn root_leaves_a_users_file_and_lock_file_with_the_user() {
    if !is_root() {
        println!("skipped: needs root to create another user's file (running as a user)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    chown(dir.path(), OTHER, OTHER);
    let config = dir.path().join("omniverse.toml");
    std::fs::write(&config, START).unwrap();
    chown(&config, OTHER, OTHER);
    chmod(&config, 0o640);
    let out = cm_command()
        .arg("--config")
        .arg(&config)
        .args(["bookmark", "add", "A", "omniverse://a/"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::metadata(&config).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (OTHER, OTHER), "the file's owner");
    assert_eq!(meta.mode() & 0o7777, 0o640, "the file's mode");
    let lock = std::fs::metadata(dir.path().join("omniverse.toml.lock")).unwrap();
    assert_eq!((lock.uid(), lock.gid()), (OTHER, OTHER), "the lock's owner");
    // The owner can still edit their own file, lock and all.
    let out = cm_as_other_user()
        .arg("--config")
        .arg(&config)
        .args(["bookmark", "add", "B", "omniverse://b/"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("A = \"omniverse://a/\"") && text.contains("B = \"omniverse://b/\""));
    let meta = std::fs::metadata(&config).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o777),
        (OTHER, OTHER, 0o640)
    );

    // A new file root creates in the user's directory is the user's too.
    let fresh = dir.path().join("fresh.toml");
    let out = cm_command()
        .arg("--config")
        .arg(&fresh)
        .args(["bookmark", "add", "A", "omniverse://a/"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::metadata(&fresh).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o777),
        (OTHER, OTHER, 0o600)
    );
}

/// A lock file the user planted as a link (to an existing file or to nowhere) or as a hard
/// link makes root refuse (exit 2) without truncating, writing, creating or giving away the
/// file it names.
#[test]
fn root_refuses_a_lock_file_the_user_linked_elsewhere() {
    if !is_root() {
        println!("skipped: needs root to be the victim of another user's link (running as a user)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("u");
    std::fs::create_dir(&user).unwrap();
    chown(&user, OTHER, OTHER);
    chmod(&user, 0o700);
    let config = user.join("omniverse.toml");
    std::fs::write(&config, START).unwrap();
    chown(&config, OTHER, OTHER);
    chmod(&config, 0o600);
    let lock = user.join("omniverse.toml.lock");
    let victim = dir.path().join("victim");
    let dangling = dir.path().join("not-there");
    let plant: [(&str, &dyn Fn()); 3] = [
        ("symlink", &|| symlink(&victim, &lock).unwrap()),
        ("dangling symlink", &|| symlink(&dangling, &lock).unwrap()),
        ("hard link", &|| std::fs::hard_link(&victim, &lock).unwrap()),
    ];
    for (kind, plant) in plant {
        std::fs::write(&victim, "root-only secret\n").unwrap();
        chmod(&victim, 0o600);
        let _ = std::fs::remove_file(&lock);
        plant();
        let out = cm_command()
            .arg("--config")
            .arg(&config)
            .args(["bookmark", "add", "R", "omniverse://h/r/"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        let expected = if kind == "hard link" {
            "has other hard links"
        } else {
            "is a symbolic link"
        };
        assert!(
            err.contains("lock file") && err.contains(expected),
            "{kind}: {err}"
        );
        let meta = std::fs::metadata(&victim).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid(), meta.mode() & 0o7777),
            (0, 0, 0o600),
            "{kind}: the victim's owner and mode"
        );
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "root-only secret\n",
            "{kind}: the victim's content"
        );
        assert!(
            !dangling.exists(),
            "{kind}: a dangling link's target was created"
        );
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            START,
            "{kind}: nothing written"
        );
    }
}

#[test]
fn a_user_who_may_not_write_the_file_cannot_replace_it_through_its_directory() {
    if !is_root() {
        println!("skipped: needs root to run cm as another user (running as a user)");
        return;
    }
    // The directory is group-writable for the user; the file is root's, 0644.
    let dir = tempfile::tempdir().unwrap();
    chown(dir.path(), 0, OTHER);
    chmod(dir.path(), 0o775);
    let config = dir.path().join("omniverse.toml");
    std::fs::write(&config, START).unwrap();
    chmod(&config, 0o644);
    let run = || {
        let mut command = cm_as_other_user();
        command
            .arg("--config")
            .arg(&config)
            .args(["bookmark", "add", "A", "omniverse://a/"]);
        // The group only reaches the directory through a supplementary group.
        // SAFETY: setgroups is async-signal-safe; it runs before the setuid of cm_as_other_user.
        unsafe {
            command.pre_exec(|| {
                let groups = [OTHER as libc::gid_t];
                if libc::getuid() == 0 && libc::setgroups(1, groups.as_ptr()) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        command.output().unwrap()
    };
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot replace"), "{err}");
    assert!(err.contains("may not write it (mode 644"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        START,
        "untouched"
    );
    let meta = std::fs::metadata(&config).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (0, 0o644));
    assert!(temp_files(dir.path()).is_empty());

    // Root itself may (permission bits do not bind it) and keeps root as the owner.
    let out = cm_command()
        .arg("--config")
        .arg(&config)
        .args(["bookmark", "add", "R", "omniverse://r/"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Role of the child that holds the lock (this test binary, run again).
const HOLDER_ROLE: &str = "CM_FILE_SAFETY_HOLD_LOCK";

/// Child side: takes the lock on the file named by `HOLDER_ROLE` the way the sidecar
/// protocol says (flock, then `<pid> <command>` in the file), says `locked` on stdout and
/// holds it until stdin closes. A no-op in a normal run.
#[test]
fn child_holds_the_lock() {
    let Some(lock_path) = std::env::var_os(HOLDER_ROLE) else {
        return;
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path)
        .unwrap();
    file.lock().unwrap();
    writeln!(file, "{} lock-holder", std::process::id()).unwrap();
    println!("locked");
    std::io::stdout().flush().unwrap();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

/// Starts the holder child and waits until it holds the lock.
fn hold_lock(lock_path: &Path) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holds_the_lock",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLDER_ROLE, lock_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let locked = lines
        .by_ref()
        .map_while(Result::ok)
        // libtest may have printed `test child_holds_the_lock ... ` on the same line.
        .any(|l| l.ends_with("locked"));
    assert!(locked, "the holder never took the lock");
    // Keep reading, so the child's last words find an open pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

fn release(mut holder: Child) {
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
}

#[test]
fn a_held_lock_is_named_and_given_up_on_after_the_lock_timeout() {
    if std::env::var_os(HOLDER_ROLE).is_some() {
        return;
    }
    let sandbox = common::Sandbox::with_file(START);
    let lock_path = sandbox.dir.path().join("omniverse.toml.lock");
    let holder = hold_lock(&lock_path);
    let pid = holder.id();
    let out = sandbox
        .cm(&[
            "--lock-timeout",
            "2",
            "bookmark",
            "add",
            "A",
            "omniverse://a/",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "a notice, then the error: {err}");
    assert!(
        lines[0].starts_with("warning: waiting for the lock on ")
            && lines[0].contains(&format!("held by process {pid} (lock-holder)"))
            && lines[0].ends_with("giving up after 2 s (--lock-timeout)"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("error: nothing changed: gave up waiting for the lock on ")
            && lines[1].ends_with(&format!("it is held by process {pid} (lock-holder)")),
        "{err}"
    );
    assert_eq!(sandbox.text(), START, "nothing written");

    // Released while a write waits, the write goes through.
    let mut waiting = std_cm()
        .arg("--config")
        .arg(sandbox.config())
        .args(["bookmark", "add", "B", "omniverse://b/"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let notice = BufReader::new(waiting.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .next()
        .unwrap_or_default();
    assert!(notice.contains("waiting for the lock"), "{notice}");
    release(holder);
    assert!(waiting.wait().unwrap().success());
    assert!(sandbox.text().contains("B = \"omniverse://b/\""));
    // Released, the sidecar is empty again: it names no stale holder.
    assert!(wait::holds_within(Duration::from_secs(10), || {
        std::fs::read(&lock_path).unwrap().is_empty()
    }));
}
