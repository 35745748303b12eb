//! Verifying a 1,000-skill signed registry manifest (issue 10).

fn main() {
    divan::main();
}
