//! Loops one benchmark input (the cases of `benches/url.rs`) through one operation, for
//! profilers, whose instruction counts do not depend on machine load:
//! `bench_loop <normalize|server_root|url|host> <case> <iterations>`.

use std::hint::black_box;

include!("../benches/support/cases.rs");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench_loop <normalize|server_root|url|host> <case> <iterations>";
    let (Some(op), Some(case), Some(iterations)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let (Some(&(_, input)), Ok(iterations)) = (
        CASES.iter().find(|(name, _)| name == case),
        iterations.parse::<usize>(),
    ) else {
        eprintln!(
            "{usage}; cases: {}",
            CASES
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        );
        std::process::exit(2);
    };
    for _ in 0..iterations {
        match op.as_str() {
            "normalize" => drop(black_box(cm_url::normalize(black_box(input)))),
            "server_root" => drop(black_box(cm_url::server_root(black_box(input)))),
            // The IDNA step alone, as cm-url runs it on the `url` crate's opaque host.
            "host" => drop(black_box(url::Host::parse(black_box(
                "b%c3%bccher.example",
            )))),
            _ => drop(black_box(url::Url::parse(black_box(input)))),
        }
    }
}
