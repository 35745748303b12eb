#!/usr/bin/env bash
# Idle CPU of the interactive mode (issue 4: "idle CPU ≈ 0, no redraw when nothing changed"):
# pi runs in tmux, untouched, for 10 s after its first frame; the CPU it used meanwhile is
# utime + stime from /proc/<pid>/stat, read before and after. Measured with an empty session
# and with a ~10,000-entry one. Usage: benches/tui_idle.sh [seconds]   (needs tmux, Linux)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
# shellcheck source=benches/tui_common.sh
. benches/tui_common.sh
WORK=$(mktemp -d)
trap 'tmux kill-session -t pi-idle 2>/dev/null || true; rm -rf "$WORK"' EXIT
HZ=$(getconf CLK_TCK)

# utime + stime of $1 in clock ticks (fields 14 and 15; the name in field 2 has no spaces).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Starts pi with "$@", waits for its first frame and a second of settling, then measures.
idle() {
  local label=$1; shift
  tmux kill-session -t pi-idle 2>/dev/null || true
  tmux new-session -d -s pi-idle -x 120 -y 40 -c "$WORK" \
    "exec env ANTHROPIC_API_KEY=unused PI_LOG_FILE=$WORK/pi.log $PI $*"
  until tmux capture-pane -t pi-idle -p 2>/dev/null | grep -q "Prompt"; do sleep 0.05; done
  sleep 1
  local pid before after
  pid=$(tmux display -p -t pi-idle '#{pane_pid}')
  before=$(cpu_ticks "$pid")
  sleep "$SECS"
  after=$(cpu_ticks "$pid")
  echo "$label: $(( (after - before) * 1000 / HZ )) ms CPU in ${SECS} s idle ($(( after - before )) ticks at ${HZ} Hz)"
}

idle "pi --no-session" --no-session
generate "$WORK/big.jsonl" | grep generated || true
if [ -f "$WORK/big.jsonl" ]; then
  idle "pi with a 10,000-entry session" --session "$WORK/big.jsonl"
fi
