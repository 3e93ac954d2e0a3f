/**
 * The gateway's REST API (same origin). Errors come back as
 * `{"error": {"code": "ERROR_CODE_...", "message": "..."}}` and are raised as
 * `ApiError`.
 */
import type {
  CreatedRoom,
  HistoryPage,
  ModelList,
  Participant,
  PersonaPreset,
  PersonaSpec,
  RoomInfo,
  RoomSummary,
  VoiceOption,
} from './models';
import {
  createdRoom,
  historyPage,
  modelList,
  participant,
  personaPresets,
  protocolError,
  room,
  roomSummary,
  wirePersonaSpec,
} from './normalize';
import type {
  WireCreateRoomResponse,
  WireError,
  WireListModelsResponse,
  WireListPresetsResponse,
  WireListRoomsResponse,
  WireLoadHistoryResponse,
  WireParticipant,
  WireRoom,
  WireRoomKey,
} from './wire';

export class ApiError extends Error {
  readonly status: number;
  /** An ErrorCode name, or "" when the body had none (e.g. a proxy's 502). */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when retrying cannot help: the credentials or the room are wrong. */
  get isAccessProblem(): boolean {
    return this.status === 401 || this.status === 403 || this.status === 404;
  }
}

/** How a request proves access to a room. */
export type Credentials = { inviteToken: string } | { ownerToken: string };

function authHeaders(creds: Credentials | undefined): Record<string, string> {
  if (!creds) return {};
  if ('ownerToken' in creds) return { Authorization: `Bearer ${creds.ownerToken}` };
  return { 'X-Chorus-Invite': creds.inviteToken };
}

type Fetch = typeof fetch;

export class ApiClient {
  private readonly fetchImpl: Fetch;
  private readonly base: string;

  constructor(options: { fetch?: Fetch; base?: string } = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.base = options.base ?? '';
  }

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; creds?: Credentials; signal?: AbortSignal } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...authHeaders(options.creds),
    };
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, init);
    } catch (exc) {
      if (exc instanceof DOMException && exc.name === 'AbortError') throw exc;
      throw new ApiError(0, 'ERROR_CODE_UNAVAILABLE', 'Cannot reach the server.');
    }
    const text = await response.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!response.ok) {
      const wire = (data as { error?: WireError } | undefined)?.error;
      const err = protocolError(wire);
      const message = err.message || `${response.status} ${response.statusText}`.trim();
      throw new ApiError(response.status, wire?.code ? err.code : '', message);
    }
    return (data ?? {}) as T;
  }

  async listModels(signal?: AbortSignal): Promise<ModelList> {
    const opts = signal ? { signal } : {};
    return modelList(await this.request<WireListModelsResponse>('GET', '/api/models', opts));
  }

  /** Voices personas may speak with; a server without voice answers 503. */
  async listVoices(signal?: AbortSignal): Promise<VoiceOption[]> {
    const opts = signal ? { signal } : {};
    const w = await this.request<{ voices?: { id?: string; displayName?: string; description?: string; available?: boolean }[] }>(
      'GET',
      '/api/voices',
      opts,
    );
    return (w.voices ?? []).map((v) => ({
      id: v.id ?? '',
      displayName: v.displayName || v.id || '',
      description: v.description ?? '',
      available: v.available ?? false,
    }));
  }

  /** Persona presets (docs/presets.md); an older server without them gives []. */
  async listPresets(signal?: AbortSignal): Promise<PersonaPreset[]> {
    const opts = signal ? { signal } : {};
    return personaPresets(await this.request<WireListPresetsResponse>('GET', '/api/presets', opts));
  }

  async createRoom(body: {
    name: string;
    description: string;
    personas: PersonaSpec[];
  }): Promise<CreatedRoom> {
    const wire = { name: body.name, description: body.description, personas: body.personas.map(wirePersonaSpec) };
    return createdRoom(await this.request<WireCreateRoomResponse>('POST', '/api/rooms', { body: wire }));
  }

  async getRoom(roomId: string, creds: Credentials, signal?: AbortSignal): Promise<RoomInfo> {
    const opts = signal ? { creds, signal } : { creds };
    return room(await this.request<WireRoom>('GET', `/api/rooms/${enc(roomId)}`, opts));
  }

  async listRooms(keys: { roomId: string; creds: Credentials }[]): Promise<RoomSummary[]> {
    const rooms: WireRoomKey[] = keys.map((k) => ({ roomId: k.roomId, credentials: k.creds }));
    const res = await this.request<WireListRoomsResponse>('POST', '/api/rooms/list', { body: { rooms } });
    return (res.rooms ?? []).map(roomSummary);
  }

  async updateRoom(
    roomId: string,
    ownerToken: string,
    patch: { name?: string; description?: string },
  ): Promise<RoomInfo> {
    return room(
      await this.request<WireRoom>('PATCH', `/api/rooms/${enc(roomId)}`, {
        body: patch,
        creds: { ownerToken },
      }),
    );
  }

  async addPersona(roomId: string, ownerToken: string, spec: PersonaSpec): Promise<Participant> {
    return participant(
      await this.request<WireParticipant>('POST', `/api/rooms/${enc(roomId)}/personas`, {
        body: wirePersonaSpec(spec),
        creds: { ownerToken },
      }),
    );
  }

  async updatePersona(
    roomId: string,
    ownerToken: string,
    participantId: string,
    spec: PersonaSpec,
  ): Promise<Participant> {
    return participant(
      await this.request<WireParticipant>(
        'PUT',
        `/api/rooms/${enc(roomId)}/personas/${enc(participantId)}`,
        { body: wirePersonaSpec(spec), creds: { ownerToken } },
      ),
    );
  }

  async removePersona(roomId: string, ownerToken: string, participantId: string): Promise<void> {
    await this.request<unknown>('DELETE', `/api/rooms/${enc(roomId)}/personas/${enc(participantId)}`, {
      creds: { ownerToken },
    });
  }

  /** Events with seq < beforeSeq, ascending; the newest such page. */
  async loadHistoryBefore(
    roomId: string,
    creds: Credentials,
    beforeSeq: number,
    limit = 50,
  ): Promise<HistoryPage> {
    const q = new URLSearchParams({ before_seq: String(beforeSeq), limit: String(limit) });
    return historyPage(
      await this.request<WireLoadHistoryResponse>('GET', `/api/rooms/${enc(roomId)}/history?${q}`, { creds }),
    );
  }

  /** Events with seq > afterSeq, ascending; the oldest such page. */
  async loadHistoryAfter(
    roomId: string,
    creds: Credentials,
    afterSeq: number,
    limit = 50,
  ): Promise<HistoryPage> {
    const q = new URLSearchParams({ after_seq: String(afterSeq), limit: String(limit) });
    return historyPage(
      await this.request<WireLoadHistoryResponse>('GET', `/api/rooms/${enc(roomId)}/history?${q}`, { creds }),
    );
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export const api = new ApiClient();
