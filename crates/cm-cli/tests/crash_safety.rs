//! A `cm` writer killed with SIGKILL at random points never damages omniverse.toml.
//!
//! A seeded sequence of changes (add, rename and remove of bookmarks, add and remove of
//! servers) is run one `cm` process at a time; each process is killed after a random delay
//! spread over a whole run (start-up, lock, re-read, temp file, fsync, rename, directory
//! fsync), or finishes first. After every run the file must parse and hold one of the states
//! that could have been written: the state before the change (then byte for byte the text
//! before) or the state after it; a run that finished must show its change. After every
//! finished save, no temporary file may be left in the directory (a killed writer's orphan
//! is removed by the next writer).
//!
//! `CM_STRESS_KILLS` (default 100; the long run uses 1000) sets how many runs are killed;
//! `CM_STRESS_SEED` replays one run. Prints one line on stdout: `stress-result: crash-safety
//! kills=… saves=… unparsable=… unknown_states=… leftover_temp_files=…`.

// Sends Unix signals and uses Unix-only calls (libc); the platforms section of the root README
// says which tests run where.
#![cfg(unix)]

mod stress_support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use stress_support::{Rng, State, read_file, server_key, stray_files};

const START: &str = "\
# Crash-safety sandbox: this comment, [paths] and the permanent entries must survive.
[paths]
keep = \"me\"

[servers]
\"omniverse://permanent.example\" = \"permanent\"

[bookmarks]
anchor = \"omniverse://anchor.example/a/\"
";

/// The next change and the state it leads to.
struct Step {
    args: Vec<String>,
    after: State,
}

/// Picks a change that is valid on `state` (never touching the permanent entries, so the
/// file keeps its `[servers]` table and each `cm` makes exactly one write).
fn next_step(rng: &mut Rng, state: &State, counter: &mut u64) -> Step {
    *counter += 1;
    let n = *counter;
    let mut after = state.clone();
    let own_bookmarks: Vec<String> = state
        .bookmarks
        .keys()
        .filter(|k| *k != "anchor")
        .cloned()
        .collect();
    let own_servers: Vec<String> = state
        .servers
        .keys()
        .filter(|k| !k.contains("permanent"))
        .cloned()
        .collect();
    let s = |items: &[&str]| items.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let roll = rng.below(100);
    let args = if roll < 20 && !own_bookmarks.is_empty() {
        let old = rng.pick(&own_bookmarks).clone();
        let new = format!("b{n}");
        let url = format!("omniverse://h{n}.example/renamed/{n}/");
        after.bookmarks.remove(&old);
        after.bookmarks.insert(new.clone(), url.clone());
        s(&["bookmark", "rename", &old, &new, &url])
    } else if roll < 35 && own_bookmarks.len() > 3 {
        let name = rng.pick(&own_bookmarks).clone();
        after.bookmarks.remove(&name);
        s(&["bookmark", "remove", &name])
    } else if roll < 50 {
        let name = format!("s{n}");
        let key = format!("omniverse://s{n}.example");
        after.servers.insert(key.clone(), name.clone());
        s(&["server", "add", &name, &format!("{key}/Projects/")])
    } else if roll < 62 && !own_servers.is_empty() {
        let key = rng.pick(&own_servers).clone();
        after.servers.remove(&key);
        s(&["server", "remove", &key])
    } else {
        let name = format!("b{n}");
        let url = format!("omniverse://h{n}.example/dir/{n}/");
        after.bookmarks.insert(name.clone(), url.clone());
        s(&["bookmark", "add", &name, &url])
    };
    Step { args, after }
}

/// How one `cm` run ended.
enum Ending {
    Killed,
    Finished,
    Failed(String),
}

/// Runs `cm ARGS` and, with a `delay`, sends SIGKILL after it unless the run has finished
/// by then.
fn run_and_kill(config: &Path, args: &[String], delay: Option<Duration>) -> Ending {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = stress_support::cm(config, &refs)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start cm");
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        // Not reaped yet, so the pid is still ours even if the process has just exited.
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("wait for cm");
    if out.status.signal() == Some(libc::SIGKILL) {
        Ending::Killed
    } else if out.status.success() {
        Ending::Finished
    } else {
        Ending::Failed(stress_support::describe(args, &out))
    }
}

#[derive(Default)]
struct Tally {
    kills: usize,
    saves: usize,
    unparsable: usize,
    unknown_states: usize,
    leftover_temp_files: usize,
    runs: usize,
    /// Kills after which a temporary file was lying in the directory.
    orphans_seen: usize,
    problems: Vec<String>,
}

impl Tally {
    fn problem(&mut self, text: String) {
        if self.problems.len() < 20 {
            self.problems.push(text);
        }
    }
}

#[test]
fn sigkill_during_saves_never_leaves_a_damaged_file() {
    let kills_wanted = stress_support::env_count("CM_STRESS_KILLS", 100);
    let seed = stress_support::base_seed();
    eprintln!("crash-safety: seed={seed} kills={kills_wanted} (replay with CM_STRESS_SEED={seed})");
    let (dir, config) = stress_support::sandbox(START);
    let mut rng = Rng::new(seed);
    let first = read_file(&config).expect("the starting file parses");
    let (mut state, mut text) = (first.state, first.text);
    let mut counter = 0;
    let mut tally = Tally::default();

    // How long a whole run takes here, so the kill delays cover all of it.
    let mut calibration = Vec::new();
    for _ in 0..5 {
        let step = next_step(&mut rng, &state, &mut counter);
        let started = Instant::now();
        let ending = run_and_kill(&config, &step.args, None);
        calibration.push(started.elapsed());
        assert!(
            matches!(ending, Ending::Finished),
            "seed {seed}: a plain run failed"
        );
        let read = read_file(&config).expect("parses after a plain run");
        assert_eq!(read.state, step.after, "seed {seed}: {:?}", step.args);
        (state, text) = (read.state, read.text);
    }
    calibration.sort();
    let run_time = calibration[calibration.len() / 2];
    let window = run_time.mul_f64(1.3).as_micros().max(1000) as u64;
    eprintln!(
        "crash-safety: a whole run takes {:.1} ms; kills land in 0..{:.1} ms",
        run_time.as_secs_f64() * 1e3,
        window as f64 / 1e3
    );

    let started = Instant::now();
    let max_runs = kills_wanted * 20;
    while tally.kills < kills_wanted && tally.runs < max_runs {
        tally.runs += 1;
        let step = next_step(&mut rng, &state, &mut counter);
        let delay = Duration::from_micros(rng.below(window));
        let ending = run_and_kill(&config, &step.args, Some(delay));
        if let Ending::Failed(why) = &ending {
            tally.problem(format!("run failed without being killed: {why}"));
        }
        let read = match read_file(&config) {
            Ok(read) => read,
            Err(error) => {
                tally.unparsable += 1;
                tally.problem(format!("after {:?}: unparsable: {error}", step.args));
                // Put the last good file back so the remaining runs still mean something.
                std::fs::write(&config, &text).expect("restore the file");
                continue;
            }
        };
        let finished = matches!(ending, Ending::Finished);
        if read.state == step.after {
            tally.saves += 1;
        } else if read.state == state && !finished && read.text == text {
            // Killed before its rename: the old file, byte for byte.
        } else {
            tally.unknown_states += 1 + read.repeated;
            let why = if read.state == state && finished {
                "finished, but its change is missing"
            } else if read.state == state {
                "same entries, different bytes"
            } else {
                "neither before nor after"
            };
            tally.problem(format!(
                "after {:?} ({why}):\n{}\n--- text ---\n{}",
                step.args,
                step.after.diff(&read.state),
                read.text
            ));
        }
        if matches!(ending, Ending::Killed) {
            tally.kills += 1;
            // Evidence that kills land inside the write, not only around it.
            if !stray_files(dir.path()).is_empty() {
                tally.orphans_seen += 1;
            }
        }
        if finished {
            let stray = stray_files(dir.path());
            if !stray.is_empty() {
                tally.leftover_temp_files += stray.len();
                tally.problem(format!("after a finished save: {stray:?}"));
            }
        }
        if !read
            .text
            .starts_with(&START[..START.find("[servers]").unwrap()])
        {
            tally.unknown_states += 1;
            tally.problem(format!("the comment or [paths] changed:\n{}", read.text));
        }
        (state, text) = (read.state, read.text);
    }
    let killing = started.elapsed();

    // The last kill's orphan, if any, goes with the next successful save.
    let step = next_step(&mut rng, &state, &mut counter);
    match run_and_kill(&config, &step.args, None) {
        Ending::Finished => {
            tally.saves += 1;
            let stray = stray_files(dir.path());
            tally.leftover_temp_files += stray.len();
            if !stray.is_empty() {
                tally.problem(format!("after the final save: {stray:?}"));
            }
            match read_file(&config) {
                Ok(read) if read.state == step.after => {}
                Ok(read) => {
                    tally.unknown_states += 1;
                    tally.problem(format!("final save:\n{}", step.after.diff(&read.state)));
                }
                Err(error) => {
                    tally.unparsable += 1;
                    tally.problem(format!("final save: unparsable: {error}"));
                }
            }
        }
        _ => tally.problem("the final save did not finish".to_owned()),
    }

    eprintln!(
        "crash-safety: {} runs ({} killed, {} of them leaving a temp file; {} saves) in {:.1} s; \
         {} bookmarks, {} servers at the end",
        tally.runs,
        tally.kills,
        tally.orphans_seen,
        tally.saves,
        killing.as_secs_f64(),
        state.bookmarks.len(),
        state.servers.len()
    );
    println!(
        "stress-result: crash-safety kills={} saves={} unparsable={} unknown_states={} \
         leftover_temp_files={}",
        tally.kills, tally.saves, tally.unparsable, tally.unknown_states, tally.leftover_temp_files
    );
    assert!(
        tally.problems.is_empty(),
        "seed {seed}: {} problem(s):\n{}",
        tally.problems.len(),
        tally.problems.join("\n\n")
    );
    assert_eq!(
        tally.kills, kills_wanted,
        "seed {seed}: only {} of {} runs were killed mid-run",
        tally.kills, tally.runs
    );
    assert!(
        state
            .servers
            .contains_key(&server_key("omniverse://permanent.example/")),
        "seed {seed}: the permanent server is gone"
    );
}
