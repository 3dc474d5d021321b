//! Prints whether dispatch uses asymmetric (membarrier) barriers on this machine.
fn main() {
    println!(
        "asymmetric barriers: {}",
        cm_events::Dispatcher::uses_asymmetric_barriers()
    );
}
