//! Real child processes: concurrent writers lose nothing, and a writer killed
//! with SIGKILL at random moments never leaves a damaged file.
//!
//! The children are this test binary itself, re-executed with an environment
//! variable that turns the named test into the child's work.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cm_toml_store::{Change, Durability, TomlStore};

const ROLE: &str = "CM_TOML_STORE_CHILD";
const FILE: &str = "CM_TOML_STORE_CHILD_FILE";
const WRITERS: usize = 4;
const PER_WRITER: usize = 100;

fn spawn_child(test: &str, role: &str, file: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(FILE, file)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Child side of `concurrent_writers_lose_nothing`; a no-op when run normally.
#[test]
fn child_adds_bookmarks() {
    let (Ok(role), Some(file)) = (std::env::var(ROLE), std::env::var_os(FILE)) else {
        return;
    };
    let Some(writer) = role.strip_prefix("writer-") else {
        return;
    };
    let store = TomlStore::new(PathBuf::from(file)).with_durability(Durability::NoSync);
    for i in 0..PER_WRITER {
        store
            .apply(&[Change::AddBookmark {
                name: format!("w{writer}-{i:03}"),
                url: format!("omniverse://host-{writer}/item/{i}/"),
            }])
            .unwrap();
    }
}

#[test]
fn concurrent_writers_lose_nothing() {
    if std::env::var_os(ROLE).is_some() {
        return;
    }
    let (_dir, store) = common::store_with(Some(common::COMMENTED));
    let children: Vec<Child> = (0..WRITERS)
        .map(|w| spawn_child("child_adds_bookmarks", &format!("writer-{w}"), store.path()))
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer failed");
    }
    let loaded = store.load().unwrap();
    for w in 0..WRITERS {
        for i in 0..PER_WRITER {
            let name = format!("w{w}-{i:03}");
            assert_eq!(
                loaded.sections.bookmark(&name),
                Some(format!("omniverse://host-{w}/item/{i}/").as_str()),
                "{name} was lost"
            );
        }
    }
    assert_eq!(loaded.sections.bookmarks.len(), 3 + WRITERS * PER_WRITER);
    // The foreign sections are intact.
    let text = common::read(store.path());
    assert!(text.starts_with(&common::COMMENTED[..common::COMMENTED.find("Projects =").unwrap()]));
    assert!(text.contains("[connection_library]\nenabled = true\norder = [3, 1, 2]\n"));
}

/// The state with generation `g`: a marker bookmark plus `g % 40` numbered ones.
fn expected_bookmarks(g: usize) -> Vec<(String, String)> {
    let mut v = vec![("generation".to_string(), format!("omniverse://gen/{g}/"))];
    v.extend((0..g % 40).map(|i| (format!("b{i:02}"), format!("omniverse://h/{g}/{i}/"))));
    v
}

fn generation_of(store: &TomlStore) -> usize {
    let loaded = store.load().expect("the file must always parse");
    let url = loaded
        .sections
        .bookmark("generation")
        .expect("marker present")
        .to_string();
    let g: usize = url
        .trim_start_matches("omniverse://gen/")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let got: Vec<(String, String)> = loaded
        .sections
        .bookmarks
        .iter()
        .map(|b| (b.name.clone(), b.url.clone()))
        .collect();
    assert_eq!(
        got,
        expected_bookmarks(g),
        "file holds a state that was never written"
    );
    g
}

/// Child side of `sigkill_never_leaves_a_damaged_file`: saves generations forever.
#[test]
fn child_saves_generations() {
    if std::env::var(ROLE).as_deref() != Ok("crash-writer") {
        return;
    }
    let file = PathBuf::from(std::env::var_os(FILE).unwrap());
    let store = TomlStore::new(file).with_durability(Durability::Full);
    let mut g = generation_of(&store);
    loop {
        g += 1;
        let mut sections = store.load().unwrap().sections;
        sections.bookmarks = expected_bookmarks(g)
            .into_iter()
            .map(|(name, url)| cm_toml_store::BookmarkEntry { name, url })
            .collect();
        store.save_sections(&sections).unwrap();
    }
}

#[test]
fn sigkill_never_leaves_a_damaged_file() {
    use rand::Rng;
    if std::env::var_os(ROLE).is_some() {
        return;
    }
    let (dir, store) = common::store_with(Some("[paths]\nkeep = \"me\"\n"));
    store
        .apply(&[Change::AddBookmark {
            name: "generation".into(),
            url: "omniverse://gen/0/".into(),
        }])
        .unwrap();
    let mut rng = rand::rng();
    let started = Instant::now();
    let mut kills = 0;
    let mut generation = 0;
    while (generation < 200 || kills < 20) && started.elapsed() < Duration::from_secs(25) {
        let mut child = spawn_child("child_saves_generations", "crash-writer", store.path());
        std::thread::sleep(Duration::from_millis(rng.random_range(5..60)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        kills += 1;
        let g = generation_of(&store);
        assert!(
            g >= generation,
            "generation went back from {generation} to {g}"
        );
        generation = g;
        assert!(common::read(store.path()).starts_with("[paths]\nkeep = \"me\"\n"));
    }
    assert!(generation >= 200, "only {generation} saves in {kills} runs");
    assert!(kills >= 20, "only {kills} kills");
    // Orphaned temporary files are cleaned up by the next writer.
    store
        .apply(&[Change::AddBookmark {
            name: "zz".into(),
            url: "omniverse://z/".into(),
        }])
        .unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    eprintln!("{kills} kills, {generation} generations");
}
