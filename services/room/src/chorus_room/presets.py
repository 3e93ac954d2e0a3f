"""The registry of persona presets and room templates (TOML).

Parsing is strict (unknown keys are errors; a template naming a preset that
does not exist is an error) so that a typo fails at start, not when someone
picks the template. Format: docs/presets.md.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from chorus.v1 import room_pb2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chorus_room.domain import validation
from chorus_room.errors import RoomError

_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "presets.toml"


class PresetsError(Exception):
    """The registry file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Persona(_Strict):
    id: str = Field(pattern=_ID)
    name: str
    title: str = ""
    description: str = ""
    system_prompt: str = ""
    model: str = ""
    voice: str = ""


class _Template(_Strict):
    id: str = Field(pattern=_ID)
    name: str
    description: str = ""
    personas: tuple[str, ...] = ()


class _Registry(_Strict):
    personas: tuple[_Persona, ...] = ()
    templates: tuple[_Template, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> _Registry:
        ids = [p.id for p in self.personas]
        if len(set(ids)) != len(ids):
            raise ValueError("persona preset ids must be unique")
        if len({t.id for t in self.templates}) != len(self.templates):
            raise ValueError("template ids must be unique")
        for template in self.templates:
            missing = [p for p in template.personas if p not in ids]
            if missing:
                raise ValueError(f"template {template.id!r} names unknown presets {missing}")
            names = [
                next(p.name for p in self.personas if p.id == pid) for pid in template.personas
            ]
            if len({n.casefold() for n in names}) != len(names):
                raise ValueError(f"template {template.id!r} has two personas with one name")
        return self


class Presets:
    def __init__(self, registry: _Registry) -> None:
        self._personas = {
            p.id: room_pb2.PersonaPreset(
                id=p.id,
                description=p.description,
                persona=room_pb2.PersonaSpec(
                    name=p.name,
                    title=p.title,
                    system_prompt=p.system_prompt,
                    model=p.model,
                    voice=p.voice,
                ),
            )
            for p in registry.personas
        }
        self._templates = {
            t.id: room_pb2.RoomTemplate(
                id=t.id, name=t.name, description=t.description, persona_preset_ids=t.personas
            )
            for t in registry.templates
        }
        for preset in self._personas.values():
            try:
                validation.clean_persona(preset.persona, [])
            except RoomError as exc:
                raise PresetsError(f"persona preset {preset.id!r}: {exc.message}") from exc

    def listing(self) -> room_pb2.ListPresetsResponse:
        return room_pb2.ListPresetsResponse(
            personas=self._personas.values(), templates=self._templates.values()
        )

    def template(
        self, template_id: str
    ) -> tuple[room_pb2.RoomTemplate, list[room_pb2.PersonaSpec]]:
        """A template and copies of its personas; KeyError if unknown."""
        template = self._templates[template_id]
        specs = []
        for preset_id in template.persona_preset_ids:
            spec = room_pb2.PersonaSpec()
            spec.CopyFrom(self._personas[preset_id].persona)
            specs.append(spec)
        return template, specs


def parse_presets(text: str) -> Presets:
    try:
        return Presets(_Registry.model_validate(tomllib.loads(text)))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise PresetsError(f"invalid presets registry: {exc}") from exc


def load_presets(path: Path | None = None) -> Presets:
    path = path or DEFAULT_PATH
    try:
        text = path.read_text()
    except OSError as exc:
        raise PresetsError(f"cannot read the presets registry {path}: {exc}") from exc
    return parse_presets(text)
