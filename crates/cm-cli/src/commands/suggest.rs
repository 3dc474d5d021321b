//! "Did you mean …?" for a name that names nothing.
//!
//! One rule for bookmarks and servers: the same name in another case wins (`cred` for
//! `Cred`); else the closest name by Jaro-Winkler similarity (strsim), compared without case,
//! when it is close enough that a typo is the likely story (0.8: `Projets` finds `Projects`,
//! `Studio` does not find `Stage`). No suggestion beats a wrong one.

/// How similar (Jaro-Winkler, 0..1) a name must be to be suggested.
const MIN_SIMILARITY: f64 = 0.8;

/// The candidate `asked` was most likely meant to be, if any.
pub(crate) fn closest<'a>(
    asked: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let asked_lower = asked.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == asked {
            continue;
        }
        let lower = candidate.to_lowercase();
        let score = if lower == asked_lower {
            // Only the case differs: better than any typo.
            2.0
        } else {
            strsim::jaro_winkler(&asked_lower, &lower)
        };
        if score >= MIN_SIMILARITY && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// `message`, plus `; did you mean "NAME"?` when a candidate is close.
pub(crate) fn with_suggestion<'a>(
    message: String,
    asked: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match closest(asked, candidates) {
        Some(name) => format!("{message}; did you mean {name:?}?"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_beats_typos_and_far_names_are_not_suggested() {
        let names = ["Credits", "Cred", "Projects", "Stage"];
        assert_eq!(closest("cred", names), Some("Cred"));
        assert_eq!(closest("Projets", names), Some("Projects"));
        assert_eq!(closest("Studio", names), None);
        assert_eq!(closest("x", names), None);
        assert_eq!(closest("Cred", ["Cred"]), None);
    }
}
