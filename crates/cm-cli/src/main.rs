//! `cm`: the connection manager's command-line tool (being built: issue 7).

fn main() {
    eprintln!("cm: the command-line tool is not built yet (issue 7); nothing was done.");
    std::process::exit(2);
}
