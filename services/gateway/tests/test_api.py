"""The REST API: protobuf JSON bodies, credentials in headers, typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from .chat_service import ChatServiceStandIn
from .conftest import Frame, GatewayFactory, GatewayHarness

PERSONA = {
    "name": "Ada",
    "title": "Mathematician",
    "systemPrompt": "You are Ada.",
    "generation": {"temperature": 0.5, "maxTokens": 64},
}


def _invite(created: Frame) -> dict[str, str]:
    return {"X-Chorus-Invite": created["inviteToken"]}


def _owner(created: Frame) -> dict[str, str]:
    return {"Authorization": f"Bearer {created['ownerToken']}"}


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]


@pytest.mark.asyncio
async def test_create_room_returns_room_and_tokens(gateway: GatewayHarness) -> None:
    created = await gateway.create_room("Salon", description="Talk", personas=[PERSONA])
    room = created["room"]
    assert room["name"] == "Salon"
    assert room["description"] == "Talk"
    assert created["inviteToken"] and created["ownerToken"]
    [persona] = [p for p in room["participants"] if p["kind"] == "PARTICIPANT_KIND_PERSONA"]
    assert persona["name"] == "Ada"
    assert persona["persona"]["generation"]["maxTokens"] == 64
    assert isinstance(room["createdAtMs"], str)  # int64 as a string


@pytest.mark.asyncio
async def test_get_room_with_invite_or_owner_token(gateway: GatewayHarness) -> None:
    created = await gateway.create_room("Salon")
    room_id = created["room"]["id"]
    by_invite = await gateway.http.get(f"/api/rooms/{room_id}", headers=_invite(created))
    assert by_invite.status_code == 200
    assert by_invite.json()["id"] == room_id
    by_owner = await gateway.http.get(f"/api/rooms/{room_id}", headers=_owner(created))
    assert by_owner.status_code == 200


@pytest.mark.asyncio
async def test_get_room_errors(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id = created["room"]["id"]
    bad = await gateway.http.get(f"/api/rooms/{room_id}", headers={"X-Chorus-Invite": "nope"})
    _error(bad, 403, "ERROR_CODE_BAD_INVITE")
    missing = await gateway.http.get("/api/rooms/r-missing", headers=_invite(created))
    _error(missing, 404, "ERROR_CODE_UNKNOWN_ROOM")
    anonymous = await gateway.http.get(f"/api/rooms/{room_id}")
    _error(anonymous, 401, "ERROR_CODE_BAD_INVITE")
    assert created["inviteToken"] not in bad.text


@pytest.mark.asyncio
async def test_list_rooms_returns_only_valid_credentials(gateway: GatewayHarness) -> None:
    one = await gateway.create_room("one")
    two = await gateway.create_room("two")
    body = {
        "rooms": [
            {"roomId": two["room"]["id"], "credentials": {"ownerToken": two["ownerToken"]}},
            {"roomId": one["room"]["id"], "credentials": {"inviteToken": "wrong"}},
            {"roomId": one["room"]["id"], "credentials": {"inviteToken": one["inviteToken"]}},
        ]
    }
    response = await gateway.http.post("/api/rooms/list", json=body)
    assert response.status_code == 200, response.text
    rooms = response.json()["rooms"]
    assert [r["name"] for r in rooms] == ["two", "one"]
    assert rooms[0]["owner"] is True
    assert "owner" not in rooms[1]


@pytest.mark.asyncio
async def test_patch_room(gateway: GatewayHarness) -> None:
    created = await gateway.create_room("old")
    url = f"/api/rooms/{created['room']['id']}"
    response = await gateway.http.patch(url, json={"name": "new"}, headers=_owner(created))
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "new"
    response = await gateway.http.patch(url, json={"description": "d"}, headers=_owner(created))
    assert response.json()["name"] == "new"
    assert response.json()["description"] == "d"

    as_guest = await gateway.http.patch(
        url, json={"name": "x"}, headers={"Authorization": f"Bearer {created['inviteToken']}"}
    )
    _error(as_guest, 403, "ERROR_CODE_FORBIDDEN")
    no_token = await gateway.http.patch(url, json={"name": "x"})
    _error(no_token, 401, "ERROR_CODE_FORBIDDEN")
    sneaky = await gateway.http.patch(
        url, json={"name": "x", "ownerToken": "y"}, headers=_owner(created)
    )
    _error(sneaky, 400, "ERROR_CODE_BAD_FRAME")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{oops", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b"", "not valid JSON"),
        (b'{"name": 5}', "Malformed chorus.v1.CreateRoomRequest"),
        (b'{"nmae": "typo"}', "Malformed chorus.v1.CreateRoomRequest"),
        (b'{"personas": {"name": "x"}}', "Malformed chorus.v1.CreateRoomRequest"),
    ],
)
async def test_malformed_body_is_400_bad_frame(
    gateway: GatewayHarness, body: bytes, message: str
) -> None:
    response = await gateway.http.post(
        "/api/rooms", content=body, headers={"Content-Type": "application/json"}
    )
    _error(response, 400, "ERROR_CODE_BAD_FRAME")
    assert message in response.json()["error"]["message"]


@pytest.mark.asyncio
async def test_invalid_argument_from_the_room_is_400(gateway: GatewayHarness) -> None:
    response = await gateway.http.post("/api/rooms", json={"name": "x" * 10_000})
    _error(response, 400, "ERROR_CODE_INVALID_ARGUMENT")


@pytest.mark.asyncio
async def test_oversized_body_is_413(gateway: GatewayHarness) -> None:
    response = await gateway.http.post(
        "/api/rooms", json={"name": "big", "description": "x" * 300_000}
    )
    _error(response, 413, "ERROR_CODE_TOO_LARGE")


@pytest.mark.asyncio
async def test_personas_add_update_remove(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id = created["room"]["id"]
    added = await gateway.http.post(
        f"/api/rooms/{room_id}/personas", json=PERSONA, headers=_owner(created)
    )
    assert added.status_code == 201, added.text
    persona = added.json()
    assert persona["kind"] == "PARTICIPANT_KIND_PERSONA"
    assert persona["name"] == "Ada"
    url = f"/api/rooms/{room_id}/personas/{persona['id']}"

    updated = await gateway.http.put(
        url, json=PERSONA | {"title": "Countess"}, headers=_owner(created)
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["title"] == "Countess"
    assert updated.json()["id"] == persona["id"]

    guest = await gateway.http.delete(url, headers={"Authorization": "Bearer wrong"})
    _error(guest, 403, "ERROR_CODE_FORBIDDEN")
    removed = await gateway.http.delete(url, headers=_owner(created))
    assert removed.status_code == 204
    assert removed.content == b""
    room = (await gateway.http.get(f"/api/rooms/{room_id}", headers=_invite(created))).json()
    assert persona["id"] not in [p["id"] for p in room.get("participants", [])]

    bad_spec = await gateway.http.post(
        f"/api/rooms/{room_id}/personas", json={"name": ["x"]}, headers=_owner(created)
    )
    _error(bad_spec, 400, "ERROR_CODE_BAD_FRAME")


@pytest.mark.asyncio
async def test_history_pages(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    acks = [await ann.send_message(f"m{i}", f"c{i}") for i in range(5)]
    url = f"/api/rooms/{room_id}/history"

    newest = await gateway.http.get(url, params={"limit": 2}, headers=_invite(created))
    assert newest.status_code == 200, newest.text
    page = newest.json()
    assert [e["message"]["text"] for e in page["events"]] == ["m3", "m4"]
    assert page["hasMore"] is True

    older = await gateway.http.get(
        url, params={"limit": 2, "before_seq": acks[3]["seq"]}, headers=_invite(created)
    )
    assert [e["message"]["text"] for e in older.json()["events"]] == ["m1", "m2"]

    after = await gateway.http.get(
        url, params={"after_seq": acks[2]["seq"]}, headers=_invite(created)
    )
    assert [e["message"]["text"] for e in after.json()["events"]] == ["m3", "m4"]

    bad = await gateway.http.get(url, params={"limit": -1}, headers=_invite(created))
    _error(bad, 400, "ERROR_CODE_INVALID_ARGUMENT")
    bad = await gateway.http.get(url, params={"before_seq": "soon"}, headers=_invite(created))
    _error(bad, 400, "ERROR_CODE_INVALID_ARGUMENT")
    denied = await gateway.http.get(url, headers={"X-Chorus-Invite": "nope"})
    _error(denied, 403, "ERROR_CODE_BAD_INVITE")


@pytest_asyncio.fixture
async def chat_target() -> AsyncIterator[str]:
    chat = ChatServiceStandIn()
    yield await chat.start()
    await chat.stop()


@pytest.mark.asyncio
async def test_models_from_the_chat_service(
    gateway_factory: GatewayFactory, chat_target: str
) -> None:
    gateway = await gateway_factory(chat_target=chat_target)
    response = await gateway.http.get("/api/models")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["defaultModel"] == "smol"
    assert [m["id"] for m in body["models"]] == ["smol", "gpt"]
    assert body["models"][1]["unavailableReason"] == "no API key"


@pytest.mark.asyncio
async def test_models_when_chat_is_down_is_503(gateway: GatewayHarness) -> None:
    response = await gateway.http.get("/api/models")
    _error(response, 503, "ERROR_CODE_UNAVAILABLE")


@pytest.mark.asyncio
async def test_openapi_names_the_proto_messages(gateway: GatewayHarness) -> None:
    spec = (await gateway.http.get("/openapi.json")).json()
    create = spec["paths"]["/api/rooms"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert "chorus.v1.CreateRoomRequest" in schema["description"]
    assert "/ws/rooms/{room_id}" not in spec["paths"]  # WebSockets are not in OpenAPI
    history = spec["paths"]["/api/rooms/{room_id}/history"]["get"]
    assert {p["name"] for p in history["parameters"]} >= {
        "before_seq",
        "after_seq",
        "limit",
        "X-Chorus-Invite",
    }
    docs = await gateway.http.get("/docs")
    assert docs.status_code == 200


@pytest.mark.asyncio
async def test_presets_and_a_room_from_a_template(gateway: GatewayHarness) -> None:
    listed = await gateway.http.get("/api/presets")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    review = next(t for t in body["templates"] if t["id"] == "design-review")
    presets = {p["id"]: p for p in body["personas"]}
    assert all(pid in presets for pid in review["personaPresetIds"])
    assert presets["sceptic"]["persona"]["systemPrompt"]

    response = await gateway.http.post("/api/rooms", json={"templateId": "design-review"})
    assert response.status_code == 201, response.text
    room = response.json()["room"]
    assert room["name"] == "Design review"
    personas = [p["name"] for p in room["participants"] if p["kind"] == "PARTICIPANT_KIND_PERSONA"]
    assert personas == [presets[pid]["persona"]["name"] for pid in review["personaPresetIds"]]

    unknown = await gateway.http.post("/api/rooms", json={"templateId": "nope"})
    _error(unknown, 400, "ERROR_CODE_INVALID_ARGUMENT")


@pytest.mark.asyncio
async def test_every_error_has_the_documented_shape_and_keeps_the_connection(
    gateway: GatewayHarness,
) -> None:
    created = await gateway.create_room()
    room_id = created["room"]["id"]
    url = f"/api/rooms/{room_id}/history"
    for name in ("before_seq", "after_seq"):
        huge = await gateway.http.get(url, params={name: 2**63}, headers=_invite(created))
        _error(huge, 400, "ERROR_CODE_INVALID_ARGUMENT")
    largest = await gateway.http.get(
        url, params={"before_seq": 2**63 - 1}, headers=_invite(created)
    )
    assert largest.status_code == 200, largest.text
    _error(await gateway.http.get("/api/nowhere"), 404, "ERROR_CODE_NOT_FOUND")
    _error(await gateway.http.delete("/api/presets"), 405, "ERROR_CODE_NOT_FOUND")
    # A member (invite only) trying an owner action is forbidden, not anonymous.
    member = await gateway.http.patch(
        f"/api/rooms/{room_id}", json={"name": "Mine"}, headers=_invite(created)
    )
    _error(member, 403, "ERROR_CODE_FORBIDDEN")
    anonymous = await gateway.http.patch(f"/api/rooms/{room_id}", json={"name": "Mine"})
    _error(anonymous, 401, "ERROR_CODE_FORBIDDEN")
    # The same client connection still works after all of that.
    again = await gateway.http.get(f"/api/rooms/{room_id}", headers=_invite(created))
    assert again.status_code == 200


@pytest.mark.asyncio
async def test_room_creation_is_limited_per_address(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory(rooms_per_minute=60, rooms_burst=3)
    for _ in range(3):
        assert (await gateway.http.post("/api/rooms", json={"name": "r"})).status_code == 201
    refused = await gateway.http.post("/api/rooms", json={"name": "r"})
    _error(refused, 429, "ERROR_CODE_RATE_LIMITED")
    assert int(refused.headers["Retry-After"]) >= 1
