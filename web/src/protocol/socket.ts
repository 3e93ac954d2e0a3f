/** The slice of the browser WebSocket the session uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export const SOCKET_OPEN = 1;

/** Close code the gateway uses for a slow consumer: reconnect and resume. */
export const CLOSE_SLOW_CONSUMER = 4008;

export const browserSocket: SocketFactory = (url) => new WebSocket(url);

export function roomSocketUrl(loc: { protocol: string; host: string }, roomId: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws/rooms/${encodeURIComponent(roomId)}`;
}
