#!/usr/bin/env bash
# Set up and run the whole test suite: lint, types, Python tests (room, chat,
# gateway, voice, end-to-end, browser) and the web client's tests. It starts the real
# servers it needs itself (llama.cpp with SmolLM2-135M, Whisper and Piper, Chromium,
# redis-server, DynamoDB Local).
#
#   scripts/test.sh                 # everything
#   scripts/test.sh -k interrupt    # extra arguments go to pytest
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

started=$SECONDS
setup_apt chromium redis-server default-jre-headless
setup_python
setup_models smollm2-135m voice
setup_web
setup_dynamodb_local
step "Set up in $((SECONDS - started)) s"

cd "$ROOT"
step "ruff"
"$UV" run --no-sync ruff check --output-format concise .
"$UV" run --no-sync ruff format --check --quiet .
step "mypy"
"$UV" run --no-sync mypy libs/common/src services/room/src services/chat/src services/gateway/src services/voice/src scripts/fetch_models.py
step "web: typecheck and vitest"
(cd web && npm run --silent typecheck && npm test --silent)
step "pytest"
export CHORUS_TEST_MODEL="$CHORUS_MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
export CHORUS_TEST_WEB_DIST="$ROOT/web/dist"
"$UV" run --no-sync pytest "$@"
step "All tests passed in $((SECONDS - started)) s"
