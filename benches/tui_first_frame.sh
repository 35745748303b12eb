#!/usr/bin/env bash
# First frame of the interactive mode, measured in tmux (issue 4): the time from starting the
# program in a new tmux window until its first screen is visible, against a program that only
# prints three lines (what tmux itself costs). Also the resident memory of `pi` with a session
# of about 10,000 entries loaded. Usage: benches/tui_first_frame.sh [runs]   (needs tmux)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-15}
# shellcheck source=benches/tui_common.sh
. benches/tui_common.sh
WORK=$(mktemp -d)
trap 'tmux kill-session -t pi-ff 2>/dev/null || true; rm -rf "$WORK"' EXIT

# ms from `tmux new-session` until the pane shows $2.
measure() {
  tmux kill-session -t pi-ff 2>/dev/null || true
  local start end
  start=$(date +%s%N)
  tmux new-session -d -s pi-ff -x 120 -y 40 -c "$WORK" "$1"
  until tmux capture-pane -t pi-ff -p 2>/dev/null | grep -q "$2"; do :; done
  end=$(date +%s%N)
  echo $(( (end - start) / 1000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f ms", m/1000}'; }

base=$(for _ in $(seq "$RUNS"); do measure "printf 'one\ntwo\nthree\n'; sleep 5" three; done | median)
first=$(for _ in $(seq "$RUNS"); do measure "env -u ANTHROPIC_API_KEY PI_LOG_FILE=$WORK/pi.log $PI --no-session" Prompt; done | median)
echo "first frame (median of $RUNS, tmux 120x40): three-line program $base, pi $first"

# Resident memory with a ~10,000-entry session, once its history is drawn.
generate "$WORK/big.jsonl" | grep generated
tmux kill-session -t pi-ff 2>/dev/null || true
tmux new-session -d -s pi-ff -x 120 -y 40 -c "$WORK" \
  "exec env ANTHROPIC_API_KEY=unused PI_LOG_FILE=$WORK/pi.log $PI --session $WORK/big.jsonl"
until tmux capture-pane -t pi-ff -p | grep -q "Prompt"; do sleep 0.05; done
sleep 2
pid=$(tmux display -p -t pi-ff '#{pane_pid}')
grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' ' | paste -sd' ' | sed 's/^/pi with a 10,000-entry session: /'
