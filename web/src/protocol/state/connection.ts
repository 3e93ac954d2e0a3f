/** The connection slice: live/reconnecting/offline, the fatal end, and dismissable notices. */
import type { ProtocolError } from '../../api/models';
import type { ConnectionState, Notice, RoomState } from './types';

export const MAX_NOTICES = 5;

/** Errors that end the session: retrying with the same invite cannot help. */
export function endsSession(error: ProtocolError): boolean {
  return error.fatal && !error.retryable && error.code !== 'ERROR_CODE_SLOW_CONSUMER';
}

export function setConnection(state: RoomState, next: ConnectionState): RoomState {
  if (state.connection === next) return state;
  if (state.fatal && next !== 'offline') return state;
  return { ...state, connection: next };
}

export function endSession(state: RoomState, error: ProtocolError): RoomState {
  return { ...state, fatal: error, connection: 'offline' };
}

export function addNotice(state: RoomState, text: string, tone: 'error' | 'info', code = ''): RoomState {
  const notice: Notice = { id: state.nextNoticeId, code, text, tone };
  return {
    ...state,
    notices: [...state.notices, notice].slice(-MAX_NOTICES),
    nextNoticeId: state.nextNoticeId + 1,
  };
}

export function dismissNotice(state: RoomState, id: number): RoomState {
  if (!state.notices.some((n) => n.id === id)) return state;
  return { ...state, notices: state.notices.filter((n) => n.id !== id) };
}

export function humanizeCode(code: string): string {
  const words = code.replace(/^ERROR_CODE_/, '').toLowerCase().replace(/_/g, ' ');
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Something went wrong';
}
