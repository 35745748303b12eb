//! Skills benchmarks (issue 10): discovery of 1,000 skills, verifying a 1,000-skill manifest.

fn main() {
    divan::main();
}
