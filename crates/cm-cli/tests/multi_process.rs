//! Many real `cm` processes edit ONE omniverse.toml at the same time while `cm watch --json`
//! observes: afterwards the file holds exactly what the operations imply (no lost update, no
//! duplicate), and the watcher's events, folded over the starting state, give the same state.
//!
//! Each simulated user ("process" below: a thread that runs `cm` again and again, so N `cm`
//! processes are alive at once) owns its own names and server hosts and makes random
//! mutations — add, rename (often re-pointing), remove of bookmarks; add and remove of
//! servers — from its own seeded generator. Its own sequence alone determines its final
//! entries, while all of them share the file and its lock, so the expected final state is
//! known whatever the interleaving.
//!
//! `CM_STRESS_PROCESSES` (default 8) and `CM_STRESS_MUTATIONS` (per process, default 25; the
//! long run uses 250) size the run; `CM_STRESS_SEED` replays one. Prints one line on stdout:
//! `stress-result: multi-process processes=… mutations=… events=… lost=… duplicates=…
//! replay_mismatches=…`.

mod stress_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use stress_support::{Rng, State, Watcher, fold_event, read_file, server_key};

const START: &str = "\
# Shared by the multi-process stress test: this comment and [paths] must survive.
[paths]
keep = \"me\"

[bookmarks]
Shared = \"omniverse://shared.example/Projects/\"

[servers]
\"omniverse://shared.example\" = \"shared\"
";

/// One mutation a process makes, on its own entries only.
#[derive(Clone, Debug)]
enum Op {
    AddBookmark {
        name: String,
        url: String,
    },
    RenameBookmark {
        old: String,
        new: String,
        url: String,
    },
    RemoveBookmark {
        name: String,
    },
    AddServer {
        name: String,
        url: String,
    },
    RemoveServer {
        key: String,
        url: String,
    },
}

/// A process's own view of its entries: what its operations imply.
struct Owner {
    id: usize,
    rng: Rng,
    bookmarks: BTreeMap<String, String>,
    servers: BTreeMap<String, String>,
    next: u64,
}

impl Owner {
    fn new(id: usize, seed: u64) -> Self {
        Self {
            id,
            rng: Rng::new(seed),
            bookmarks: BTreeMap::new(),
            servers: BTreeMap::new(),
            next: 0,
        }
    }

    fn fresh(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn bookmark_url(&mut self) -> String {
        let n = self.fresh();
        format!("omniverse://p{}-h{n}.example/dir/{n}/", self.id)
    }

    /// Picks the next operation; operations that need an existing entry fall back to adds.
    fn choose(&mut self) -> Op {
        let p = self.id;
        let roll = self.rng.below(100);
        let bookmarks: Vec<String> = self.bookmarks.keys().cloned().collect();
        let servers: Vec<String> = self.servers.keys().cloned().collect();
        match roll {
            0..30 => {}
            30..50 if !bookmarks.is_empty() => {
                let old = self.rng.pick(&bookmarks).clone();
                let n = self.fresh();
                let new = format!("p{p}-b{n}");
                let url = if self.rng.below(2) == 0 {
                    self.bookmarks[&old].clone()
                } else {
                    self.bookmark_url()
                };
                return Op::RenameBookmark { old, new, url };
            }
            50..65 if !bookmarks.is_empty() => {
                let name = self.rng.pick(&bookmarks).clone();
                return Op::RemoveBookmark { name };
            }
            65..85 => {
                let n = self.fresh();
                let name = format!("p{p}-s{n}");
                // Added by a URL under the root; the file stores the root.
                let url = if n.is_multiple_of(2) {
                    format!("omniverse://p{p}-s{n}.example/Projects/car.usd")
                } else {
                    format!("https://p{p}-s{n}.example.com/a/b/")
                };
                return Op::AddServer { name, url };
            }
            85..100 if !servers.is_empty() => {
                let key = self.rng.pick(&servers).clone();
                let url = format!("{key}/any/path/under/it.usd");
                return Op::RemoveServer { key, url };
            }
            _ => {}
        }
        let n = self.fresh();
        let name = format!("p{p}-b{n}");
        let url = self.bookmark_url();
        Op::AddBookmark { name, url }
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::AddBookmark { name, url } => {
                self.bookmarks.insert(name.clone(), url.clone());
            }
            Op::RenameBookmark { old, new, url } => {
                self.bookmarks.remove(old);
                self.bookmarks.insert(new.clone(), url.clone());
            }
            Op::RemoveBookmark { name } => {
                self.bookmarks.remove(name);
            }
            Op::AddServer { name, url } => {
                self.servers.insert(root_key(url), name.clone());
            }
            Op::RemoveServer { key, .. } => {
                self.servers.remove(key);
            }
        }
    }
}

/// `scheme://host` of the URLs this test uses (no user info, no port).
fn root_key(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let host = rest.split('/').next().unwrap_or(rest);
    server_key(&format!("{scheme}://{host}"))
}

fn args(op: &Op) -> Vec<String> {
    let v = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match op {
        Op::AddBookmark { name, url } => v(&["bookmark", "add", name, url]),
        Op::RenameBookmark { old, new, url } => v(&["bookmark", "rename", old, new, url]),
        Op::RemoveBookmark { name } => v(&["bookmark", "remove", name]),
        Op::AddServer { name, url } => v(&["server", "add", name, url]),
        Op::RemoveServer { url, .. } => v(&["server", "remove", url]),
    }
}

/// What one process did.
struct Outcome {
    owner: Owner,
    failures: Vec<String>,
    durations: Vec<Duration>,
}

/// Runs `mutations` operations of process `id` one `cm` at a time.
fn run_process(config: PathBuf, id: usize, seed: u64, mutations: usize) -> Outcome {
    let mut owner = Owner::new(id, seed);
    let mut failures = Vec::new();
    let mut durations = Vec::with_capacity(mutations);
    for _ in 0..mutations {
        let op = owner.choose();
        let argv = args(&op);
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let started = Instant::now();
        let out = stress_support::run_cm(&config, &refs);
        durations.push(started.elapsed());
        if out.status.success() {
            owner.apply(&op);
        } else {
            // A failing command changes nothing (cm-cli's contract), so the model stays.
            failures.push(stress_support::describe(&argv, &out));
        }
    }
    Outcome {
        owner,
        failures,
        durations,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Folds watcher lines into `replayed` until it equals `target` or `deadline` passes.
fn catch_up(
    watcher: &Watcher,
    replayed: &mut State,
    target: &State,
    events: &mut usize,
    deadline: Instant,
) -> Vec<String> {
    let mut problems = Vec::new();
    // Drain what is already there, then wait for more only while the replay differs.
    while let Some(line) = watcher.next_line(Instant::now()) {
        record(replayed, &line, events, &mut problems);
    }
    while replayed != target {
        match watcher.next_line(deadline) {
            Some(line) => record(replayed, &line, events, &mut problems),
            None => break,
        }
    }
    problems
}

fn record(replayed: &mut State, line: &str, events: &mut usize, problems: &mut Vec<String>) {
    *events += 1;
    if let Err(problem) = fold_event(replayed, line) {
        problems.push(problem);
    }
}

#[test]
fn concurrent_cm_processes_lose_nothing_and_watch_replays_to_the_file() {
    let processes = stress_support::env_count("CM_STRESS_PROCESSES", 8);
    let mutations = stress_support::env_count("CM_STRESS_MUTATIONS", 25);
    let seed = stress_support::base_seed();
    eprintln!(
        "multi-process: seed={seed} processes={processes} mutations={mutations} \
         (replay with CM_STRESS_SEED={seed})"
    );
    let (dir, config) = stress_support::sandbox(START);
    let start = read_file(&config).expect("the starting file parses").state;

    let watcher = Watcher::start(&config, 100);
    let started = Instant::now();
    let handles: Vec<_> = (0..processes)
        .map(|id| {
            let config = config.clone();
            let seed = seed.wrapping_add(id as u64 * 0x1000_0000_0000_0001);
            std::thread::spawn(move || run_process(config, id, seed, mutations))
        })
        .collect();
    let outcomes: Vec<Outcome> = handles
        .into_iter()
        .map(|h| h.join().expect("a process thread panicked"))
        .collect();
    let writing = started.elapsed();

    // What the operations imply: the starting entries plus each process's own.
    let mut expected = start.clone();
    let mut failures = Vec::new();
    let mut durations = Vec::new();
    for outcome in &outcomes {
        expected.bookmarks.extend(outcome.owner.bookmarks.clone());
        expected.servers.extend(outcome.owner.servers.clone());
        failures.extend(outcome.failures.iter().cloned());
        durations.extend(outcome.durations.iter().copied());
    }
    durations.sort();

    let file = read_file(&config).unwrap_or_else(|e| panic!("seed {seed}: file unparsable: {e}"));
    let lost = expected
        .bookmarks
        .iter()
        .filter(|(k, v)| file.state.bookmarks.get(*k) != Some(*v))
        .count()
        + expected
            .servers
            .iter()
            .filter(|(k, v)| file.state.servers.get(*k) != Some(*v))
            .count();
    let duplicates = file.repeated
        + file
            .state
            .bookmarks
            .keys()
            .filter(|k| !expected.bookmarks.contains_key(*k))
            .count()
        + file
            .state
            .servers
            .keys()
            .filter(|k| !expected.servers.contains_key(*k))
            .count();

    // The watcher has caught up once its replay equals the final file; it never changes
    // again, so waiting for that condition (with a generous deadline) is enough.
    let mut replayed = start.clone();
    let mut events = 0;
    let problems = catch_up(
        &watcher,
        &mut replayed,
        &file.state,
        &mut events,
        Instant::now() + Duration::from_secs(60),
    );
    let replay_mismatches = replayed.distance(&file.state);
    let total = started.elapsed();

    eprintln!(
        "multi-process: {} cm runs in {:.1} s of writing ({:.1} s with the watcher catching up); \
         per run median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        durations.len(),
        writing.as_secs_f64(),
        total.as_secs_f64(),
        percentile(&durations, 0.5).as_secs_f64() * 1e3,
        percentile(&durations, 0.9).as_secs_f64() * 1e3,
        percentile(&durations, 1.0).as_secs_f64() * 1e3,
    );
    for line in watcher.stderr_lines() {
        eprintln!("multi-process: cm watch stderr: {line}");
    }
    println!(
        "stress-result: multi-process processes={processes} mutations={mutations} \
         events={events} lost={lost} duplicates={duplicates} replay_mismatches={replay_mismatches}"
    );

    assert!(
        failures.is_empty(),
        "seed {seed}: {} cm runs failed, first: {}",
        failures.len(),
        failures[0]
    );
    assert_eq!(
        (lost, duplicates),
        (0, 0),
        "seed {seed}: the file is not what the operations imply:\n{}",
        expected.diff(&file.state)
    );
    assert!(
        problems.is_empty(),
        "seed {seed}: bad event lines: {problems:?}"
    );
    assert_eq!(
        replay_mismatches,
        0,
        "seed {seed}: replaying {events} watch events gives a different state \
         (- only in replay, + only in file):\n{}",
        replayed.diff(&file.state)
    );
    assert!(
        file.text
            .starts_with(&START[..START.find("[bookmarks]").unwrap()]),
        "seed {seed}: the comment or the foreign [paths] section changed:\n{}",
        file.text
    );
    assert_eq!(
        stress_support::stray_files(dir.path()),
        Vec::<String>::new(),
        "seed {seed}: temporary files left behind"
    );
    assert!(events > 0, "seed {seed}: the watcher saw nothing");
}
