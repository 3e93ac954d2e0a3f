from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .stack import MODELS_DIR, TEST_MODEL_FILE, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not (MODELS_DIR / TEST_MODEL_FILE).exists():
        raise RuntimeError(f"{TEST_MODEL_FILE} is missing: run scripts/test.sh (it fetches it)")
    running = Stack(Path(tmp_path_factory.mktemp("stack")))
    try:
        running.start()
    except BaseException:
        running.stop()
        for name in running.procs:
            print(f"--- {name} log ---\n{running.log(name)}")
        raise
    yield running
    codes = running.stop()
    assert codes == {"gateway": 0, "room": 0, "chat": 0, "voice": 0}, codes
