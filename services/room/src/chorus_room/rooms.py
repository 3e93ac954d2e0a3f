"""Room administration and access: create, read, list, edit rooms and
personas, check credentials. Every change is an event in the room's log."""

from __future__ import annotations

from collections.abc import Sequence

from chorus.v1 import room_pb2, voice_pb2

from chorus_room.config import RoomSettings
from chorus_room.domain import validation
from chorus_room.errors import RoomError, bad_invite, forbidden, invalid, unknown_room
from chorus_room.events import EventLog
from chorus_room.ids import hash_secret, new_id, new_room_id, new_secret, now_ms, secret_matches
from chorus_room.models import ModelCatalog
from chorus_room.ports.store import (
    ParticipantRecord,
    RemoveParticipant,
    RoomRecord,
    SetRoomInfo,
    UpsertParticipant,
)
from chorus_room.presets import Presets
from chorus_room.voices import VoiceCatalog, pick_voice

PERSONA = room_pb2.PARTICIPANT_KIND_PERSONA


class Rooms:
    def __init__(
        self,
        log: EventLog,
        models: ModelCatalog,
        presets: Presets,
        settings: RoomSettings,
        voices: VoiceCatalog | None = None,
    ) -> None:
        self._voices = voices or VoiceCatalog(None)
        self._log = log
        self._store = log.store
        self._models = models
        self._presets = presets
        self._settings = settings

    # ------------------------------------------------------------ access

    async def record(self, room_id: str) -> RoomRecord:
        room = await self._store.get_room(room_id) if room_id else None
        if room is None:
            raise unknown_room()
        return room

    async def authorize(self, room_id: str, credentials: room_pb2.RoomCredentials) -> RoomRecord:
        """The room, if the credentials open it (invite or owner token)."""
        room = await self.record(room_id)
        if secret_matches(credentials.owner_token, room.owner_hash) or secret_matches(
            credentials.invite_token, room.invite_hash
        ):
            return room
        raise bad_invite()

    async def authorize_owner(self, room_id: str, owner_token: str) -> RoomRecord:
        room = await self.record(room_id)
        if not secret_matches(owner_token, room.owner_hash):
            raise forbidden()
        return room

    async def participants(self, room_id: str) -> list[room_pb2.Participant]:
        return [r.participant for r in await self._store.participants(room_id)]

    async def view(self, room: RoomRecord) -> room_pb2.Room:
        """The room as clients see it; ``room`` must be current."""
        return room_pb2.Room(
            id=room.id,
            name=room.name,
            description=room.description,
            participants=await self.participants(room.id),
            last_seq=room.last_seq,
            created_at_ms=room.created_at_ms,
        )

    # ------------------------------------------------------------- rooms

    async def create(self, request: room_pb2.CreateRoomRequest) -> room_pb2.CreateRoomResponse:
        request = self._from_template(request)
        name = validation.clean_room_name(request.name)
        description = validation.clean_description(request.description)
        if len(request.personas) > validation.MAX_PERSONAS:
            raise invalid(f"A room has at most {validation.MAX_PERSONAS} personas.")
        specs: list[room_pb2.PersonaSpec] = []
        for spec in request.personas:
            specs.append(validation.clean_persona(spec, [s.name for s in specs]))
        for i, spec in enumerate(specs):
            await self._check_model(spec)
            await self._check_voice(spec, [s.voice for s in specs[:i]])
        invite, owner = new_secret(), new_secret()
        record = RoomRecord(
            id=new_room_id(),
            name=name,
            description=description,
            created_at_ms=now_ms(),
            invite_hash=hash_secret(invite),
            owner_hash=hash_secret(owner),
        )
        await self._store.create_room(record)
        for spec in specs:
            await self._add_persona(record.id, spec)
        return room_pb2.CreateRoomResponse(
            room=await self.view(await self.record(record.id)),  # with its personas' events
            invite_token=invite,
            owner_token=owner,
        )

    def presets(self) -> room_pb2.ListPresetsResponse:
        return self._presets.listing()

    def _from_template(self, request: room_pb2.CreateRoomRequest) -> room_pb2.CreateRoomRequest:
        """The request with the template's parts filled in where it leaves them empty."""
        if not request.template_id:
            return request
        try:
            template, personas = self._presets.template(request.template_id)
        except KeyError:
            raise invalid(f"Unknown room template '{request.template_id}'.") from None
        filled = room_pb2.CreateRoomRequest()
        filled.CopyFrom(request)
        filled.name = request.name.strip() or template.name
        filled.description = request.description.strip() or template.description
        if not request.personas:
            filled.personas.extend(personas)
        return filled

    async def summaries(self, keys: Sequence[room_pb2.RoomKey]) -> list[room_pb2.RoomSummary]:
        out: list[room_pb2.RoomSummary] = []
        for key in keys[:100]:
            room = await self._store.get_room(key.room_id)
            if room is None:
                continue
            owner = secret_matches(key.credentials.owner_token, room.owner_hash)
            if not owner and not secret_matches(key.credentials.invite_token, room.invite_hash):
                continue
            personas = [p for p in await self.participants(room.id) if p.kind == PERSONA]
            out.append(
                room_pb2.RoomSummary(
                    id=room.id,
                    name=room.name,
                    description=room.description,
                    last_seq=room.last_seq,
                    persona_count=len(personas),
                    last_activity_ms=room.last_activity_ms,
                    owner=owner,
                )
            )
        return out

    async def update(self, request: room_pb2.UpdateRoomRequest) -> room_pb2.Room:
        room = await self.authorize_owner(request.room_id, request.owner_token)
        name = validation.clean_room_name(request.name) if request.HasField("name") else room.name
        description = (
            validation.clean_description(request.description)
            if request.HasField("description")
            else room.description
        )
        await self._log.append(
            room.id,
            room_pb2.RoomEvent(room_updated=room_pb2.RoomInfo(name=name, description=description)),
            mutation=SetRoomInfo(name=name, description=description),
        )
        return await self.view(await self.record(room.id))

    # ---------------------------------------------------------- personas

    async def add_persona(self, request: room_pb2.AddPersonaRequest) -> room_pb2.Participant:
        room = await self.authorize_owner(request.room_id, request.owner_token)
        present = await self.participants(room.id)
        if sum(p.kind == PERSONA for p in present) >= validation.MAX_PERSONAS:
            raise invalid(f"A room has at most {validation.MAX_PERSONAS} personas.")
        spec = validation.clean_persona(request.persona, [p.name for p in present])
        await self._check_model(spec)
        await self._check_voice(spec, [p.persona.voice for p in present if p.kind == PERSONA])
        return await self._add_persona(room.id, spec)

    async def _add_persona(self, room_id: str, spec: room_pb2.PersonaSpec) -> room_pb2.Participant:
        participant = room_pb2.Participant(
            id=new_id("p"),
            kind=PERSONA,
            name=spec.name,
            title=spec.title,
            persona=spec,
            joined_at_ms=now_ms(),
        )
        await self._log.append(
            room_id,
            room_pb2.RoomEvent(participant_joined=participant),
            mutation=UpsertParticipant(ParticipantRecord(participant)),
        )
        return participant

    async def update_persona(self, request: room_pb2.UpdatePersonaRequest) -> room_pb2.Participant:
        room = await self.authorize_owner(request.room_id, request.owner_token)
        present = await self.participants(room.id)
        current = self._persona(present, request.participant_id)
        spec = validation.clean_persona(
            request.persona, [p.name for p in present if p.id != current.id]
        )
        await self._check_model(spec)
        if not spec.voice:  # unchanged
            spec.voice = current.persona.voice
        await self._check_voice(spec, [])
        updated = room_pb2.Participant()
        updated.CopyFrom(current)
        updated.name, updated.title = spec.name, spec.title
        updated.persona.CopyFrom(spec)
        await self._log.append(
            room.id,
            room_pb2.RoomEvent(participant_updated=updated),
            mutation=UpsertParticipant(ParticipantRecord(updated)),
        )
        return updated

    async def remove_persona(self, request: room_pb2.RemovePersonaRequest) -> None:
        room = await self.authorize_owner(request.room_id, request.owner_token)
        current = self._persona(await self.participants(room.id), request.participant_id)
        await self._log.append(
            room.id,
            room_pb2.RoomEvent(
                participant_removed=room_pb2.ParticipantRemoved(participant_id=current.id)
            ),
            mutation=RemoveParticipant(current.id),
        )

    @staticmethod
    def _persona(participants: Sequence[room_pb2.Participant], pid: str) -> room_pb2.Participant:
        for p in participants:
            if p.id == pid and p.kind == PERSONA:
                return p
        raise invalid("No such persona in this room.")

    async def _check_model(self, spec: room_pb2.PersonaSpec) -> None:
        """Reject a model the chat service does not know (when it can be asked)."""
        models = await self._models.listing()
        if models is None:
            return
        if not spec.model:
            spec.model = models.default_model
            return
        if spec.model not in {m.id for m in models.models}:
            known = ", ".join(m.id for m in models.models)
            raise invalid(f"Unknown model '{spec.model}'. Models: {known}.")

    async def _check_voice(self, spec: room_pb2.PersonaSpec, taken: Sequence[str]) -> None:
        """Give a persona without a voice one nobody in the room uses; reject a
        voice the voice service does not know (when it can be asked)."""
        voices = await self._voices.listing()
        if voices is None:
            return
        if not spec.voice:
            spec.voice = pick_voice(voices, taken)
        elif spec.voice not in {v.id for v in voices}:
            known = ", ".join(v.id for v in voices)
            raise invalid(f"Unknown voice '{spec.voice}'. Voices: {known}.")

    async def list_voices(self) -> voice_pb2.ListVoicesResponse:
        if not self._voices.enabled:
            raise RoomError(
                room_pb2.ERROR_CODE_UNAVAILABLE, "This room service runs without voice."
            )
        voices = await self._voices.listing()
        if voices is None:
            raise RoomError(
                room_pb2.ERROR_CODE_UNAVAILABLE,
                "The voice service is unavailable right now.",
                retryable=True,
            )
        return voice_pb2.ListVoicesResponse(
            voices=[
                voice_pb2.Voice(
                    id=v.id, display_name=v.name, description=v.description, available=v.available
                )
                for v in voices
            ]
        )

    # ------------------------------------------------------------ history

    async def history(self, request: room_pb2.LoadHistoryRequest) -> room_pb2.LoadHistoryResponse:
        room = await self.authorize(request.room_id, request.credentials)
        limit = request.limit or self._settings.history_page_default
        if limit > self._settings.history_page_max:
            raise invalid(f"limit is at most {self._settings.history_page_max}.")
        if request.HasField("after_seq"):
            page = await self._store.events_after(room.id, max(request.after_seq, 0), limit)
        else:
            page = await self._store.events_before(room.id, request.before_seq, limit)
        return room_pb2.LoadHistoryResponse(events=page.events, has_more=page.has_more)
