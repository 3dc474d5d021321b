//! Every connection-manager event name follows Kit's rule, `<extension>.<UPPER_SNAKE>`, and is
//! registered as the alias of its legacy integer type `type_from_string(name)`.
//!
//! The table spells each name and integer out independently of the crate (the integers were
//! computed with FNV-1a 64 outside it), so a rename or a changed hash fails here by name.

use cm_events::{Dispatcher, EventType, type_from_string};
use cm_registry::events::{self, ALL_EVENTS, NAMESPACE};

/// `(constant, its full name, its legacy integer type)`.
const TABLE: [(&str, &str, u64); 9] = [
    (
        events::BOOKMARK_ADDED_EVENT,
        "omni.kit.widget.connection_manager.BOOKMARK_ADDED",
        4_554_369_893_362_559_849,
    ),
    (
        events::BOOKMARK_DELETED_EVENT,
        "omni.kit.widget.connection_manager.BOOKMARK_DELETED",
        13_124_910_120_076_879_718,
    ),
    (
        events::BOOKMARK_RENAMED_EVENT,
        "omni.kit.widget.connection_manager.BOOKMARK_RENAMED",
        5_846_928_944_492_841_873,
    ),
    (
        events::CONNECTION_SUCCEEDED_EVENT,
        "omni.kit.widget.connection_manager.CONNECTION_SUCCEEDED",
        5_000_824_734_681_949_918,
    ),
    (
        events::DISCOVERY_SERVER_ADDED_EVENT,
        "omni.kit.widget.connection_manager.DISCOVERY_SERVER_ADDED",
        9_525_544_600_916_790_821,
    ),
    (
        events::DISCOVERY_SERVER_REMOVED_EVENT,
        "omni.kit.widget.connection_manager.DISCOVERY_SERVER_REMOVED",
        1_095_683_998_357_878_107,
    ),
    (
        events::DISCOVERY_SERVER_UPDATED_EVENT,
        "omni.kit.widget.connection_manager.DISCOVERY_SERVER_UPDATED",
        12_815_522_030_773_635_056,
    ),
    (
        events::MANUAL_SERVER_ADDED_EVENT,
        "omni.kit.widget.connection_manager.MANUAL_SERVER_ADDED",
        17_780_284_856_878_556_713,
    ),
    (
        events::MANUAL_SERVER_REMOVED_EVENT,
        "omni.kit.widget.connection_manager.MANUAL_SERVER_REMOVED",
        9_788_676_899_798_879_711,
    ),
];

#[test]
fn every_event_constant_has_its_kit_name_and_registered_integer_alias() {
    let dispatcher = Dispatcher::new();
    events::register_event_aliases_on(&dispatcher);
    for (constant, name, integer) in TABLE {
        assert_eq!(constant, name);
        let suffix = name.strip_prefix(NAMESPACE).expect("in the namespace");
        assert!(
            !suffix.is_empty()
                && suffix
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "{name}: the part after the extension must be UPPER_SNAKE"
        );
        assert_eq!(events::short_name(name), suffix);
        assert_eq!(type_from_string(name), EventType(integer), "{name}");
        let alias = dispatcher
            .event_alias(EventType(integer))
            .unwrap_or_else(|| panic!("no alias registered for {name}"));
        assert_eq!(alias.deferred.as_str(), name);
    }
    // The table covers every event the crate defines, and nothing else.
    let table: Vec<&str> = TABLE.iter().map(|(constant, _, _)| *constant).collect();
    assert_eq!(table, ALL_EVENTS);
}

#[test]
fn the_namespace_is_the_connection_manager_extension() {
    assert_eq!(NAMESPACE, "omni.kit.widget.connection_manager.");
}
