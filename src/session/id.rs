//! Entry ids (8 hex characters, like pi) and ISO-8601 timestamps.

/// A fresh 8-hex-character id for which `taken` is false. Falls back to a full uuid after many
/// collisions, as pi does, so it always terminates.
pub fn new_entry_id(taken: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let id = short_id();
        if !taken(&id) {
            return id;
        }
    }
    uuid::Uuid::new_v4().to_string()
}

fn short_id() -> String {
    let uuid = uuid::Uuid::new_v4().simple().to_string();
    uuid[..8].to_string()
}

/// A new session id (uuid v7, time-ordered, as pi writes).
pub fn new_session_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Now as `2026-11-24T05:49:20.159Z`, the timestamp shape of pi's entries.
pub fn now_iso() -> String {
    iso(jiff::Timestamp::now())
}

pub(crate) fn iso(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_eight_hex_chars() {
        let id = new_entry_id(|_| false);
        assert_eq!(id.len(), 8);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn a_colliding_id_is_regenerated() {
        let first = new_entry_id(|_| false);
        let second = new_entry_id(|id| id == first);
        assert_ne!(first, second);
    }

    #[test]
    fn everything_taken_falls_back_to_a_uuid() {
        let id = new_entry_id(|id| id.len() == 8);
        assert_eq!(id.len(), 36);
    }

    #[test]
    fn timestamp_shape_matches_pi() {
        let ts: jiff::Timestamp = "2026-11-24T05:49:20.159Z".parse().unwrap();
        assert_eq!(iso(ts), "2026-11-24T05:49:20.159Z");
        let ts: jiff::Timestamp = "2026-11-24T05:49:20Z".parse().unwrap();
        assert_eq!(iso(ts), "2026-11-24T05:49:20.000Z");
    }

    proptest! {
        #[test]
        fn ids_stay_unique_against_the_taken_set(n in 1usize..300) {
            let mut taken = HashSet::new();
            for _ in 0..n {
                let id = new_entry_id(|id| taken.contains(id));
                prop_assert!(taken.insert(id));
            }
        }
    }
}
