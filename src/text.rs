//! Small text helpers shared by every front end.

/// A count with its noun in the right number: "1 entry", "3 entries", "1 branch".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_and_many() {
        assert_eq!(count(0, "entry", "entries"), "0 entries");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(1, "branch", "branches"), "1 branch");
        assert_eq!(count(2, "branch", "branches"), "2 branches");
    }
}
