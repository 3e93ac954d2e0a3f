#!/usr/bin/env bash
# Set up everything and run Chorus on this machine: chat, voice, room and
# gateway services as separate processes, on embedded defaults (SQLite, in-process bus,
# a local model on the CPU). Ctrl+C stops them all.
#
#   scripts/dev.sh                         # default model: Qwen2.5-Coder-1.5B (1.1 GB, fetched once)
#   CHORUS_DEV_MODEL=smollm2-135m scripts/dev.sh   # a tiny model, for a quick look
#
# Ports: CHORUS_GATEWAY_PORT (8000), CHORUS_ROOM_PORT (50051), CHORUS_CHAT_PORT (50052),
# CHORUS_VOICE_PORT (50053).
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

MODEL="${CHORUS_DEV_MODEL:-qwen2.5-coder-1.5b}"
GATEWAY_PORT="${CHORUS_GATEWAY_PORT:-8000}"
ROOM_PORT="${CHORUS_ROOM_PORT:-50051}"
CHAT_PORT="${CHORUS_CHAT_PORT:-50052}"
VOICE_PORT="${CHORUS_VOICE_PORT:-50053}"
DATA_DIR="${CHORUS_DATA_DIR:-$ROOT/var}"

started=$SECONDS
setup_python
setup_models "$MODEL" voice
setup_web
step "Set up in $((SECONDS - started)) s"

mkdir -p "$DATA_DIR/logs"
pids=()
stopping=0
stop_all() {
  stopping=1
  trap - INT TERM EXIT
  if [[ ${#pids[@]} -gt 0 ]]; then
    step "Stopping Chorus"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

export CHORUS_CHAT_HOST=127.0.0.1 CHORUS_CHAT_PORT="$CHAT_PORT" CHORUS_CHAT_DEFAULT_MODEL="$MODEL"
export CHORUS_ROOM_HOST=127.0.0.1 CHORUS_ROOM_PORT="$ROOM_PORT" CHORUS_ROOM_DATABASE="$DATA_DIR/chorus.db"
export CHORUS_ROOM_CHAT_TARGET="127.0.0.1:$CHAT_PORT"
export CHORUS_VOICE_HOST=127.0.0.1 CHORUS_VOICE_PORT="$VOICE_PORT" CHORUS_ROOM_VOICE_TARGET="127.0.0.1:$VOICE_PORT"
export CHORUS_GATEWAY_HOST="${CHORUS_GATEWAY_HOST:-127.0.0.1}" CHORUS_GATEWAY_PORT="$GATEWAY_PORT"
export CHORUS_GATEWAY_ROOM_TARGET="127.0.0.1:$ROOM_PORT" CHORUS_GATEWAY_CHAT_TARGET="127.0.0.1:$CHAT_PORT"
export CHORUS_GATEWAY_WEB_DIST="$ROOT/web/dist"
# Logs for a terminal (the services default to JSON lines).
export CHORUS_LOG_FORMAT="${CHORUS_LOG_FORMAT:-text}"

PY="$ROOT/.venv/bin/python"
for service in chat voice room gateway; do
  "$PY" -m "chorus_$service" > >(sed -u "s/^/[$service] /") 2>&1 &
  pids+=($!)
done

step "Waiting for the services"
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null 2>&1; then
    cat <<MSG

  Chorus is running:   http://127.0.0.1:$GATEWAY_PORT
  API docs:            http://127.0.0.1:$GATEWAY_PORT/docs
  gRPC: room 127.0.0.1:$ROOM_PORT, chat 127.0.0.1:$CHAT_PORT, voice 127.0.0.1:$VOICE_PORT   model: $MODEL
  Metrics: http://127.0.0.1:$GATEWAY_PORT/metrics, room :${CHORUS_ROOM_METRICS_PORT:-9151}, chat :${CHORUS_CHAT_METRICS_PORT:-9152}, voice :${CHORUS_VOICE_METRICS_PORT:-9153}
  Data: $DATA_DIR/chorus.db          Ctrl+C stops everything.

MSG
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a service exited during start-up (see the log above)"
  done
  sleep 1
done
wait -n "${pids[@]}" || true
[[ $stopping -eq 1 ]] && exit 0
sleep 0.2  # Ctrl+C reaches the services too; let the trap run first
[[ $stopping -eq 1 ]] && exit 0
die "a service stopped; shutting down the others"
