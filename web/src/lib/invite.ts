/**
 * Invite links: `${origin}/r/${roomId}#invite=${inviteToken}`. The token sits
 * in the fragment, which browsers never send to the server.
 */

export function inviteLink(origin: string, roomId: string, inviteToken: string): string {
  const fragment = new URLSearchParams({ invite: inviteToken }).toString();
  return `${origin}/r/${encodeURIComponent(roomId)}#${fragment}`;
}

/** The room id of a room path (`/r/:roomId`, optionally with a trailing slash). */
export function roomIdFromPath(pathname: string): string | null {
  const m = /^\/r\/([^/]+)\/?$/.exec(pathname);
  if (!m) return null;
  try {
    const id = decodeURIComponent(m[1]!);
    return id || null;
  } catch {
    return null;
  }
}

/** The invite token in a location hash (`#invite=...`, leading `#` optional). */
export function inviteTokenFromHash(hash: string): string | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!raw) return null;
  const token = new URLSearchParams(raw).get('invite');
  return token ? token : null;
}

export interface ParsedInvite {
  roomId: string;
  inviteToken: string;
}

/**
 * Parses a full invite link (or just its path and fragment). Null unless it
 * names both a room and a token.
 */
export function parseInviteLink(link: string): ParsedInvite | null {
  let url: URL;
  try {
    url = new URL(link.trim(), 'http://invalid.local');
  } catch {
    return null;
  }
  const roomId = roomIdFromPath(url.pathname);
  const inviteToken = inviteTokenFromHash(url.hash);
  if (!roomId || !inviteToken) return null;
  return { roomId, inviteToken };
}
