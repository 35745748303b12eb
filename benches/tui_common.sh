# Sourced by benches/tui_first_frame.sh and benches/tui_idle.sh: which `pi` to measure, and
# how to generate the ~10,000-entry session.
# PI_BENCH_BIN=/abs/pi measures that binary (no build); PI_TUI_BENCH_BIN=/abs/tui-bench is the
# built `benches/tui.rs` used to generate the session (else `cargo bench --bench tui` runs).
if [ -n "${PI_BENCH_BIN:-}" ]; then
  PI=$PI_BENCH_BIN
else
  cargo build --release --quiet
  PI=$PWD/target/release/pi
fi
generate() {
  if [ -n "${PI_TUI_BENCH_BIN:-}" ]; then
    PI_TUI_GENERATE=$1 "$PI_TUI_BENCH_BIN" 2>&1
  else
    PI_TUI_GENERATE=$1 cargo bench --quiet --bench tui 2>&1
  fi
}
