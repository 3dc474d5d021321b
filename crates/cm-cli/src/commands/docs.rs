//! `cm completions SHELL` and `cm man`: the command line describing itself.
//!
//! Both are generated from the same clap definition that parses the command line
//! ([`crate::cli::Cli`]), so a new flag is completed and documented the moment it exists.
//! Neither reads the config file. The output goes through [`Output::line`], so
//! `cm man | head` ends quietly like every other result.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::CliError;
use crate::output::Output;

/// Prints the completion script for `shell` on stdout.
pub(crate) fn completions(shell: clap_complete::Shell, out: &Output) -> Result<(), CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "cm", &mut script);
    print_text(&script, out)
}

/// Prints cm(1) on stdout, or with `out_dir` writes cm.1 and a page per subcommand there.
pub(crate) fn man(out_dir: Option<&Path>, out: &Output) -> Result<(), CliError> {
    let command = Cli::command();
    let Some(dir) = out_dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|e| CliError::Failed(format!("cannot render the man page: {e}")))?;
        return print_text(&page, out);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    clap_mangen::generate_to(command, dir).map_err(|e| {
        CliError::Failed(format!(
            "cannot write man pages into {}: {e}",
            dir.display()
        ))
    })?;
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| CliError::Failed(format!("cannot list {}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".1"))
        .collect();
    pages.sort();
    if out.json {
        out.json_value(&serde_json::json!({
            "out_dir": dir.display().to_string(),
            "pages": pages,
        }));
    } else if !out.quiet {
        out.line(&format!(
            "wrote {} man pages into {}",
            pages.len(),
            dir.display()
        ));
    }
    Ok(())
}

/// Generated text on stdout, as it is (it ends with its own newline).
fn print_text(bytes: &[u8], out: &Output) -> Result<(), CliError> {
    let text = String::from_utf8_lossy(bytes);
    out.line(text.trim_end_matches('\n'));
    Ok(())
}
