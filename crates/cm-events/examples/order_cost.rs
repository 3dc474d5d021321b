//! The cost of observers that sort before the list's last entry, for instruction counting
//! (callgrind counts do not depend on the machine's load, criterion's times do):
//!
//! ```text
//! cargo build --release -p cm-events --example order_cost
//! valgrind --tool=callgrind target/release/examples/order_cost <decreasing|kit|set_order> N
//! ```
//!
//! * `decreasing N`: register N observers at orders 0, -1, -2, ... (each sorts first);
//! * `kit N`: 1000 observers at order 100, then N at order 0 (each sorts before the 1000);
//! * `set_order N`: N observers at orders 0..N, then N `set_order` calls moving one of them
//!   between the front and the back.
//!
//! Run it for two values of N and divide the difference by the difference in N for a per-call
//! figure.
use std::hint::black_box;

use cm_events::{Dispatcher, Event, EventName, ObserverGuard};

fn body(e: &Event<'_>) {
    black_box(e);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "decreasing".to_owned());
    let n: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let d = Dispatcher::new();
    let name = EventName::new("order_cost:ev");
    let mut guards: Vec<ObserverGuard> = Vec::new();
    match case.as_str() {
        "decreasing" => guards.extend((0..n).map(|i| d.observe("o", -i, name, None, body))),
        "kit" => {
            guards.extend((0..1000).map(|_| d.observe("kit", 100, name, None, body)));
            guards.extend((0..n).map(|_| d.observe("o", 0, name, None, body)));
        }
        "set_order" => {
            guards.extend((0..n).map(|i| d.observe("o", i, name, None, body)));
            let moving = &guards[guards.len() / 2];
            for i in 0..n {
                moving.set_order(if i % 2 == 0 { -1 } else { n });
            }
        }
        other => {
            eprintln!("unknown case {other:?}: decreasing, kit or set_order");
            std::process::exit(2);
        }
    }
    println!("{} observers", d.get_observers(name).len());
    // Detached: the drops (resets) are not what is measured.
    for g in guards {
        g.detach();
    }
}
