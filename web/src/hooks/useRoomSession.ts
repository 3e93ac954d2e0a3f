import { useEffect, useState, useSyncExternalStore } from 'react';
import { api } from '../api/http';
import type { RoomState } from '../protocol/roomState';
import { RoomSession } from '../protocol/session';
import { roomSocketUrl } from '../protocol/socket';
import { storage } from '../lib/storage';

export interface SessionConfig {
  roomId: string;
  inviteToken: string;
  displayName: string;
}

const noSubscribe = () => () => {};
const noSnapshot = () => null;

/** Runs a RoomSession while `config` is set; re-renders on every state change. */
export function useRoomSession(config: SessionConfig | null): {
  session: RoomSession | null;
  state: RoomState | null;
} {
  const [session, setSession] = useState<RoomSession | null>(null);
  const roomId = config?.roomId ?? '';
  const inviteToken = config?.inviteToken ?? '';
  const displayName = config?.displayName ?? '';

  useEffect(() => {
    if (!roomId || !inviteToken || !displayName) return;
    const s = new RoomSession({
      roomId,
      inviteToken,
      displayName,
      wsUrl: roomSocketUrl(window.location, roomId),
      storage,
      api,
    });
    setSession(s);
    s.start();
    return () => {
      s.stop();
      setSession((cur) => (cur === s ? null : cur));
    };
  }, [roomId, inviteToken, displayName]);

  const state = useSyncExternalStore(
    session ? session.subscribe : noSubscribe,
    session ? session.getSnapshot : noSnapshot,
  );
  return { session, state };
}
