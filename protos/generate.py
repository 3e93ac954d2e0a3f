"""Generate the Python protobuf/gRPC stubs from ``chorus/v1/*.proto``.

Runs as a hatch build hook (so ``uv sync`` regenerates whenever a .proto
changes: see ``tool.uv.cache-keys``) and as a plain script
(``python protos/generate.py``). The output is git-ignored: never edit it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "python"


def generate() -> None:
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "chorus" / "v1").glob("*.proto"))
    args = [
        "grpc_tools.protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--python_out={OUT}",
        f"--pyi_out={OUT}",
        f"--grpc_python_out={OUT}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed for {protos}")


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface

    class ProtoBuildHook(BuildHookInterface):  # type: ignore[type-arg]
        def initialize(self, version: str, build_data: dict[str, Any]) -> None:
            generate()

except ImportError:  # running as a script without hatchling installed
    pass


if __name__ == "__main__":
    generate()
    sys.exit(0)
