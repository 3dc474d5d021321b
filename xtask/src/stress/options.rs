//! The command line of `cargo xtask stress`: its usage text, options and `--only`.

use crate::cmd::Result;

pub(super) const USAGE: &str = "\
usage: cargo xtask stress [--processes N] [--mutations N] [--link-adds N] [--kills N]
                          [--soak-secs N] [--fuzz-secs N] [--fault-rounds N]
                          [--only NAME[,NAME...]]

Runs, in release and with --nocapture, and sums up their `stress-result:` lines:
  multi-process   cm-cli multi_process: --processes cm processes (default 8) making
                  --mutations changes each (default 250) on one file, cm watch replaying
  symlinked-writers  cm-cli file_safety: --processes cm processes adding --link-adds
                  bookmarks each (default 100), half through a symlink, half through its target
  crash-safety    cm-cli crash_safety: SIGKILL cm writers mid-save (--kills, default 1000)
  soak            cm-events soak (--soak-secs, default 60)
  network-faults  cm-manager network_faults (--fault-rounds, default 20)
  hostile-inputs  cm-cli hostile_inputs: the table of hostile CLI, file and URL inputs
  secrets         cm-cli secrets: every output of cm runs with credentials, file modes
  secrets-lib     cm-manager secrets: Debug/Display, events, logs, panics with credentials
  corpus-variants cm-reliability toml_change_corpus: every toml-test document in 12 shapes,
                  every kind of change; no write may damage a file
  fuzz            every fuzz/fuzz_targets/*.rs with cargo fuzz (--fuzz-secs each, default 60)
--only picks runs by name (`fuzz:TARGET` for one fuzz target). The summary is also written
to target/stress-report.json; the command fails if a run fails or reports a lost update,
a damaged file, a leak or a crash, and when a run's test file does not exist.
";

/// Options of `cargo xtask stress`.
#[derive(Debug, Clone)]
pub(super) struct Options {
    pub(super) processes: u64,
    pub(super) mutations: u64,
    pub(super) link_adds: u64,
    pub(super) kills: u64,
    pub(super) soak_secs: u64,
    pub(super) fuzz_secs: u64,
    pub(super) fault_rounds: u64,
    pub(super) only: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            processes: 8,
            mutations: 250,
            link_adds: 100,
            kills: 1000,
            soak_secs: 60,
            fuzz_secs: 60,
            fault_rounds: 20,
            only: None,
        }
    }
}

/// Parsed options, or `None` when `--help` was asked for.
pub(super) fn parse_options(args: &[String]) -> Result<Option<Options>> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        if matches!(flag, "--help" | "-h") {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("stress: {flag} needs a value\n\n{USAGE}"))
        };
        let mut number = |name: &str| -> Result<u64> {
            let text = value()?;
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "stress: {name} {text:?}: expected a whole number greater than 0"
                )),
            }
        };
        match flag {
            "--processes" => options.processes = number(flag)?,
            "--mutations" => options.mutations = number(flag)?,
            "--link-adds" => options.link_adds = number(flag)?,
            "--kills" => options.kills = number(flag)?,
            "--soak-secs" => options.soak_secs = number(flag)?,
            "--fuzz-secs" => options.fuzz_secs = number(flag)?,
            "--fault-rounds" => options.fault_rounds = number(flag)?,
            "--only" => {
                let names = value()?
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                options.only = Some(names);
            }
            other => return Err(format!("stress: unknown option {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Some(options))
}

/// Whether `--only` selects the run `name` (`fuzz` selects every fuzz target).
pub(super) fn selected(options: &Options, name: &str) -> bool {
    let Some(only) = &options.only else {
        return true;
    };
    only.iter().any(|o| {
        o == name || (name.starts_with("fuzz:") && o == "fuzz") || o.replace('_', "-") == name
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_with_defaults() {
        let args: Vec<String> = ["--kills", "5", "--only=crash-safety,fuzz:url"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let options = parse_options(&args).unwrap().unwrap();
        assert_eq!((options.kills, options.processes), (5, 8));
        assert!(selected(&options, "crash-safety"));
        assert!(selected(&options, "fuzz:url"));
        assert!(!selected(&options, "fuzz:toml_load"));
        assert!(!selected(&options, "multi-process"));
        assert!(parse_options(&["--bogus".to_owned()]).is_err());
    }
}
