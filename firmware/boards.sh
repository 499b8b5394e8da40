# Booting and stopping a QEMU board, for firmware/check and firmware/fault-drill
# (sourced; they set $here to this folder). Not run on its own.

# board_start CONSOLE ERRORS FLAG...: boots the image built before
# (`qemu-board FLAG... --no-build`), its stdout to CONSOLE and its stderr to
# ERRORS; sets $board (its process) and $pty (its pseudo-terminal, empty if it
# did not start within 30 s or QEMU ended first).
board_start() {
  local console=$1 errors=$2
  shift 2
  "$here/qemu-board" "$@" --no-build > "$console" 2> "$errors" &
  board=$!
  for _ in $(seq 300); do
    [ -s "$console" ] && break
    kill -0 "$board" 2>/dev/null || break
    sleep 0.1
  done
  pty=$(head -1 "$console")
}

# board_stop: stops the board board_start started, if any; never fails.
board_stop() {
  if [ -n "${board:-}" ]; then
    kill "$board" 2>/dev/null || true
    wait "$board" 2>/dev/null || true
  fi
  board=
}
