/**
 * What this browser remembers, in localStorage: the rooms it knows (with
 * their invite token and, for rooms it created, the owner token), and per
 * room the display name and participant token it joined with.
 */

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SavedRoom {
  roomId: string;
  name: string;
  inviteToken: string;
  /** Only for rooms created in this browser. */
  ownerToken?: string;
  savedAtMs: number;
}

export interface RoomIdentity {
  displayName: string;
  participantToken: string;
}

const ROOMS_KEY = 'chorus.rooms.v1';
const LAST_NAME_KEY = 'chorus.lastDisplayName.v1';
const identityKey = (roomId: string) => `chorus.identity.v1.${roomId}`;

/** A store that forgets: for tests, and when localStorage is unavailable. */
export class MemoryStore implements KeyValueStore {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

function browserStore(): KeyValueStore {
  try {
    const ls = globalThis.localStorage;
    const probe = '__chorus_probe__';
    ls.setItem(probe, probe);
    ls.removeItem(probe);
    return ls;
  } catch {
    return new MemoryStore();
  }
}

export class ChorusStorage {
  private readonly store: KeyValueStore;

  constructor(store?: KeyValueStore) {
    this.store = store ?? browserStore();
  }

  private readJson<T>(key: string): T | null {
    const raw = this.store.getItem(key);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return null;
    }
  }

  private writeJson(key: string, value: unknown): void {
    try {
      this.store.setItem(key, JSON.stringify(value));
    } catch {
      // Quota exceeded or storage disabled: remembering is best effort.
    }
  }

  /** Newest first. */
  rooms(): SavedRoom[] {
    const rooms = this.readJson<SavedRoom[]>(ROOMS_KEY);
    if (!Array.isArray(rooms)) return [];
    return rooms
      .filter((r) => r && typeof r.roomId === 'string' && typeof r.inviteToken === 'string')
      .sort((a, b) => (b.savedAtMs ?? 0) - (a.savedAtMs ?? 0));
  }

  room(roomId: string): SavedRoom | null {
    return this.rooms().find((r) => r.roomId === roomId) ?? null;
  }

  /** Adds or updates a room; an owner token, once known, is never dropped. */
  saveRoom(room: Omit<SavedRoom, 'savedAtMs'> & { savedAtMs?: number }): void {
    const rooms = this.rooms();
    const existing = rooms.find((r) => r.roomId === room.roomId);
    const merged: SavedRoom = {
      roomId: room.roomId,
      name: room.name || existing?.name || '',
      inviteToken: room.inviteToken || existing?.inviteToken || '',
      savedAtMs: room.savedAtMs ?? existing?.savedAtMs ?? Date.now(),
    };
    const ownerToken = room.ownerToken || existing?.ownerToken;
    if (ownerToken) merged.ownerToken = ownerToken;
    this.writeJson(ROOMS_KEY, [merged, ...rooms.filter((r) => r.roomId !== room.roomId)]);
  }

  /** Updates the remembered name without touching anything else. */
  renameRoom(roomId: string, name: string): void {
    const rooms = this.rooms();
    const room = rooms.find((r) => r.roomId === roomId);
    if (!room || !name || room.name === name) return;
    room.name = name;
    this.writeJson(ROOMS_KEY, rooms);
  }

  forgetRoom(roomId: string): void {
    this.writeJson(
      ROOMS_KEY,
      this.rooms().filter((r) => r.roomId !== roomId),
    );
    this.store.removeItem(identityKey(roomId));
  }

  identity(roomId: string): RoomIdentity | null {
    const id = this.readJson<RoomIdentity>(identityKey(roomId));
    if (!id || typeof id.displayName !== 'string' || !id.displayName) return null;
    return { displayName: id.displayName, participantToken: id.participantToken ?? '' };
  }

  setDisplayName(roomId: string, displayName: string): void {
    const prev = this.identity(roomId);
    this.writeJson(identityKey(roomId), {
      displayName,
      participantToken: prev?.participantToken ?? '',
    });
    this.writeJson(LAST_NAME_KEY, displayName);
  }

  setParticipantToken(roomId: string, participantToken: string): void {
    const prev = this.identity(roomId);
    if (!prev) return;
    this.writeJson(identityKey(roomId), { ...prev, participantToken });
  }

  /** The unsent text of the composer in a room ('' when none). */
  draft(roomId: string): string {
    const d = this.readJson<string>(`chorus.draft.${roomId}`);
    return typeof d === 'string' ? d : '';
  }

  setDraft(roomId: string, text: string): void {
    if (text) this.writeJson(`chorus.draft.${roomId}`, text);
    else this.store.removeItem(`chorus.draft.${roomId}`);
  }

  /** How answers that left no message ended, by `${triggerId}|${personaId}`. */
  outcomes(roomId: string): Record<string, { text: string; tone: 'muted' | 'error' }> {
    const o = this.readJson<Record<string, { text: string; tone: 'muted' | 'error' }>>(`chorus.outcomes.${roomId}`);
    return o && typeof o === 'object' && !Array.isArray(o) ? o : {};
  }

  setOutcomes(roomId: string, outcomes: Readonly<Record<string, { text: string; tone: 'muted' | 'error' }>>): void {
    this.writeJson(`chorus.outcomes.${roomId}`, outcomes);
  }

  /** 'light', 'dark' or '' (follow the system). */
  theme(): string {
    const t = this.readJson<string>('chorus.theme');
    return t === 'light' || t === 'dark' ? t : '';
  }

  setTheme(theme: string): void {
    if (theme) this.writeJson('chorus.theme', theme);
    else this.store.removeItem('chorus.theme');
  }

  /** The name last used in any room, to prefill join forms. */
  lastDisplayName(): string {
    const name = this.readJson<string>(LAST_NAME_KEY);
    return typeof name === 'string' ? name : '';
  }
}

export const storage = new ChorusStorage();
