//! Published test vectors for `type_from_string`: Kit's own Python stubs of
//! `omni.kit.window.filepicker` list each global event's name beside its legacy integer type,
//! and each integer is exactly `type_from_string` of its name. If this fails, integer-type
//! (Events 1.0) subscribers would stop meeting Kit's events.

use cm_events::{EventType, type_from_string};

/// `(name, integer)` pairs as Kit publishes them (`BOOKMARK_RENAMED_EVENT` is published as an
/// integer only; its name follows the extension's rule).
const KIT_FILEPICKER: [(&str, u64); 4] = [
    (
        "omni.kit.window.filepicker.BOOKMARK_ADDED",
        14_293_204_382_964_729_133,
    ),
    (
        "omni.kit.window.filepicker.BOOKMARK_DELETED",
        12_591_526_458_620_793_410,
    ),
    (
        "omni.kit.window.filepicker.BOOKMARK_RENAMED",
        2_010_616_043_326_768_797,
    ),
    (
        "omni.kit.window.filepicker.NUCLEUS_SERVER_ADDED",
        2_703_271_046_647_040_724,
    ),
];

#[test]
fn kit_filepicker_integers_are_type_from_string_of_their_names() {
    for (name, integer) in KIT_FILEPICKER {
        assert_eq!(type_from_string(name), EventType(integer), "{name}");
    }
}

#[test]
fn type_from_string_is_usable_in_constants() {
    // Kit declares the integers as module constants; so can Rust code.
    const ADDED: EventType = type_from_string("omni.kit.window.filepicker.BOOKMARK_ADDED");
    assert_eq!(ADDED.0, KIT_FILEPICKER[0].1);
}
