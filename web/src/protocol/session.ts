/**
 * One member's live session in one room: the WebSocket, joining and
 * resuming, reconnecting with backoff, resending unacknowledged sends with
 * their original clientMsgId, heartbeats, typing throttling, and history
 * paging. State changes go through `roomReducer`; React reads them with
 * `useSyncExternalStore(session.subscribe, session.getSnapshot)`.
 */
import type { ApiClient } from '../api/http';
import { ApiError } from '../api/http';
import type { ProtocolError, ServerFrame } from '../api/models';
import { parseServerFrame } from '../api/normalize';
import type { WireClientFrame } from '../api/wire';
import { newId } from '../lib/ids';
import type { ChorusStorage } from '../lib/storage';
import { backoffDelay } from './backoff';
import {
  endsSession,
  historyCursor,
  initialRoomState,
  rateLimitedSend,
  roomReducer,
  unackedSends,
  type PendingSend,
  type RoomAction,
  type RoomState,
} from './roomState';
import { browserSocket, CLOSE_SLOW_CONSUMER, SOCKET_OPEN, type SocketFactory, type SocketLike } from './socket';

export const TYPING_THROTTLE_MS = 3000;
/** A ping this often; a connection silent for HEARTBEAT_TIMEOUT_MS is dead even without a close. */
export const HEARTBEAT_INTERVAL_MS = 4_000;
export const HEARTBEAT_TIMEOUT_MS = 10_000;
export const NOTICE_TTL_MS = 12_000;
export const HISTORY_PAGE = 50;

export interface SessionOptions {
  roomId: string;
  inviteToken: string;
  displayName: string;
  wsUrl: string;
  storage: ChorusStorage;
  api: Pick<ApiClient, 'getRoom' | 'loadHistoryBefore'>;
  createSocket?: SocketFactory;
  now?: () => number;
  random?: () => number;
}

type Timer = ReturnType<typeof setTimeout>;

export class RoomSession {
  private state: RoomState;
  private readonly listeners = new Set<() => void>();
  private readonly opts: SessionOptions;
  private readonly createSocket: SocketFactory;
  private readonly now: () => number;
  private readonly random: () => number;

  private socket: SocketLike | null = null;
  private generation = 0;
  private running = false;
  /** The current socket has received its Welcome. */
  private welcomed = false;
  private attempt = 0;
  /** Check the invite over REST before the next attempt (the last one never got in). */
  private probeFirst = false;
  private lastFrameAt = 0;
  private lastTypingSentAt = Number.NEGATIVE_INFINITY;
  private refCounter = 0;

  private reconnectTimer: Timer | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private typingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly noticeTimers = new Map<number, Timer>();
  private readonly resendTimers = new Set<Timer>();
  /** Extensions that see every server frame as is (voice: binary audio, captions). */
  private readonly frameListeners = new Set<(frame: unknown) => void>();

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.createSocket = opts.createSocket ?? browserSocket;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.state = initialRoomState(opts.roomId, opts.storage.outcomes(opts.roomId));
  }

  // ------------------------------------------------------------ store API

  readonly getSnapshot = (): RoomState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private dispatch(action: RoomAction): void {
    const next = roomReducer(this.state, action);
    if (next === this.state) return;
    if (next.outcomes !== this.state.outcomes) this.opts.storage.setOutcomes(this.opts.roomId, next.outcomes);
    this.state = next;
    this.armNoticeTimers();
    this.armQueueTimer();
    for (const l of this.listeners) l();
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    if (this.running) return;
    this.running = true;
    globalThis.addEventListener?.('online', this.onBrowserOnline);
    globalThis.addEventListener?.('offline', this.onBrowserOffline);
    if (globalThis.navigator?.onLine === false) this.onBrowserOffline();
    else this.connect();
  }

  /** Closes the socket and cancels every timer. `start()` may follow. */
  stop(): void {
    this.running = false;
    globalThis.removeEventListener?.('online', this.onBrowserOnline);
    globalThis.removeEventListener?.('offline', this.onBrowserOffline);
    this.clearReconnect();
    this.stopHeartbeat();
    if (this.typingTimer) clearInterval(this.typingTimer);
    this.typingTimer = null;
    if (this.queueTimer) clearInterval(this.queueTimer);
    this.queueTimer = null;
    for (const t of this.noticeTimers.values()) clearTimeout(t);
    this.noticeTimers.clear();
    for (const t of this.resendTimers) clearTimeout(t);
    this.resendTimers.clear();
    this.dropSocket(1000, 'leaving');
  }

  private readonly onBrowserOnline = (): void => {
    if (!this.running || this.state.fatal) return;
    if (this.reconnectTimer || this.state.connection === 'offline') {
      this.clearReconnect();
      this.attempt = 0;
      this.connect();
    }
  };

  /**
   * The browser says the network is gone: a socket may still look open for
   * a minute, so drop it now, say so, and keep trying slowly (the 'online'
   * event, or the next attempt, brings the session back and resumes by seq).
   */
  private readonly onBrowserOffline = (): void => {
    if (!this.running || this.state.fatal) return;
    this.stopHeartbeat();
    this.dropSocket(4000, 'browser offline');
    this.clearReconnect();
    this.dispatch({ type: 'connection', state: 'offline' });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, backoffDelay(Math.max(this.attempt++, 3), this.random));
  };

  private connect(): void {
    if (!this.running || this.state.fatal) return;
    const offline = globalThis.navigator?.onLine === false;
    this.dispatch({ type: 'connection', state: offline ? 'offline' : this.state.joined ? 'reconnecting' : 'connecting' });
    if (this.probeFirst) {
      this.probeFirst = false;
      const gen = this.generation;
      void this.probe().then((ok) => {
        if (ok && this.running && gen === this.generation && !this.socket) this.openSocket();
      });
      return;
    }
    this.openSocket();
  }

  /** False when the room or invite is definitely bad (the session is then over). */
  private async probe(): Promise<boolean> {
    try {
      await this.opts.api.getRoom(this.opts.roomId, { inviteToken: this.opts.inviteToken });
      return true;
    } catch (exc) {
      if (!(exc instanceof ApiError) || !exc.isAccessProblem) {
        if (this.running) this.scheduleReconnect();
        return false;
      }
      this.end({
        code: exc.code || (exc.status === 404 ? 'ERROR_CODE_UNKNOWN_ROOM' : 'ERROR_CODE_BAD_INVITE'),
        message: exc.message,
        ref: '',
        retryable: false,
        fatal: true,
      });
      return false;
    }
  }

  private openSocket(): void {
    const gen = ++this.generation;
    let ws: SocketLike;
    try {
      ws = this.createSocket(this.opts.wsUrl);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = ws;
    this.welcomed = false;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (gen !== this.generation) return;
      this.lastFrameAt = this.now();
      this.transmit(this.joinFrame());
    };
    ws.onmessage = (ev) => {
      if (gen !== this.generation) return;
      this.lastFrameAt = this.now();
      if (typeof ev.data !== 'string') {
        for (const l of this.frameListeners) l(ev.data); // binary: speech
        return;
      }
      if (this.frameListeners.size) {
        let raw: unknown = null;
        try {
          raw = JSON.parse(ev.data);
        } catch {
          // parseServerFrame reports it
        }
        for (const l of this.frameListeners) l(raw);
      }
      const frame = parseServerFrame(ev.data);
      if (frame) this.handleFrame(frame);
    };
    ws.onerror = () => {
      // A close event follows; that is where we act.
    };
    ws.onclose = (ev) => {
      if (gen !== this.generation) return;
      this.socket = null;
      this.onSocketGone(ev.code);
    };
  }

  private onSocketGone(code: number): void {
    const hadWelcome = this.welcomed;
    this.welcomed = false;
    this.stopHeartbeat();
    if (!this.running || this.state.fatal) return;
    if (!hadWelcome && code !== CLOSE_SLOW_CONSUMER) this.probeFirst = true;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.state.fatal) return;
    this.clearReconnect();
    const offline = globalThis.navigator?.onLine === false;
    this.dispatch({ type: 'connection', state: offline ? 'offline' : this.state.joined ? 'reconnecting' : 'connecting' });
    const delay = backoffDelay(this.attempt++, this.random);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Forgets the current socket (its late events are ignored) and closes it. */
  private dropSocket(code: number, reason: string): void {
    const ws = this.socket;
    this.socket = null;
    this.welcomed = false;
    this.generation++;
    if (!ws) return;
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
  }

  private end(error: ProtocolError): void {
    this.dispatch({ type: 'fatal', error });
    this.clearReconnect();
    this.stopHeartbeat();
    this.dropSocket(1000, 'session ended');
  }

  // ------------------------------------------------------------ frames

  private joinFrame(): WireClientFrame {
    const join: {
      inviteToken: string;
      displayName: string;
      participantToken?: string;
      afterSeq?: string;
    } = { inviteToken: this.opts.inviteToken, displayName: this.opts.displayName };
    const token = this.opts.storage.identity(this.opts.roomId)?.participantToken;
    if (token) join.participantToken = token;
    if (this.state.joined) join.afterSeq = String(this.state.lastSeq);
    return { join };
  }

  private sendFrame(p: PendingSend): WireClientFrame {
    const send: { clientMsgId: string; text: string; replyToId?: string } = {
      clientMsgId: p.clientMsgId,
      text: p.text,
    };
    if (p.replyToId) send.replyToId = p.replyToId;
    return { ref: p.ref, send };
  }

  private transmit(frame: WireClientFrame): boolean {
    const ws = this.socket;
    if (!ws || ws.readyState !== SOCKET_OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private get live(): boolean {
    return this.welcomed && this.socket !== null && this.socket.readyState === SOCKET_OPEN;
  }

  private handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome': {
        const w = frame.welcome;
        this.welcomed = true;
        this.attempt = 0;
        if (w.participantToken) this.opts.storage.setParticipantToken(this.opts.roomId, w.participantToken);
        if (w.room.name) this.opts.storage.renameRoom(this.opts.roomId, w.room.name);
        this.dispatch({ type: 'welcome', welcome: w, now: this.now() });
        this.startHeartbeat();
        for (const p of unackedSends(this.state)) this.transmit(this.sendFrame(p));
        break;
      }
      case 'event':
        this.dispatch({ type: 'event', event: frame.event, now: this.now() });
        if (frame.event.type === 'typing') this.armTypingTimer();
        if (frame.event.type === 'roomUpdated' && frame.event.name) {
          this.opts.storage.renameRoom(this.opts.roomId, frame.event.name);
        }
        break;
      case 'ack':
        this.dispatch({ type: 'ack', ack: frame.ack });
        break;
      case 'error':
        if (endsSession(frame.error)) this.end(frame.error);
        else {
          this.resendLater(frame.error);
          this.dispatch({ type: 'error', error: frame.error });
        }
        break;
      default:
        break;
    }
  }

  /** A send refused for going too fast is sent again, same clientMsgId, once the server says. */
  private resendLater(error: ProtocolError): void {
    const p = rateLimitedSend(this.state, error);
    if (!p) return;
    const timer = setTimeout(
      () => {
        this.resendTimers.delete(timer);
        const still = this.state.pending.find((x) => x.clientMsgId === p.clientMsgId);
        if (still && still.status === 'sending' && this.live) this.transmit(this.sendFrame(still));
      },
      Math.max(200, error.retryAfterMs || 1000),
    );
    this.resendTimers.add(timer);
  }

  // ------------------------------------------------------------ extensions

  /** Calls `listener` with every server frame: parsed JSON, or an ArrayBuffer. */
  listen(listener: (frame: unknown) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Sends a frame as is (JSON, or binary audio); false when not connected. */
  transmitRaw(frame: object | ArrayBuffer): boolean {
    const ws = this.socket;
    if (!this.live || !ws) return false;
    try {
      ws.send(frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------ actions

  /** Queues a message; it is (re)sent with the same clientMsgId until acked. */
  send(text: string, replyToId = ''): string | null {
    const body = text.trim();
    if (!body || this.state.fatal) return null;
    const clientMsgId = newId();
    const ref = `s${++this.refCounter}`;
    this.dispatch({ type: 'sendQueued', clientMsgId, ref, text: body, replyToId, now: this.now() });
    const p = this.state.pending.find((x) => x.clientMsgId === clientMsgId);
    if (p && this.live) this.transmit(this.sendFrame(p));
    return clientMsgId;
  }

  retry(clientMsgId: string): void {
    this.dispatch({ type: 'pendingRetry', clientMsgId });
    const p = this.state.pending.find((x) => x.clientMsgId === clientMsgId);
    if (p && p.status === 'sending' && this.live) this.transmit(this.sendFrame(p));
  }

  discard(clientMsgId: string): void {
    this.dispatch({ type: 'pendingDiscarded', clientMsgId });
  }

  /** Stops one reply, or every reply in the room when `replyId` is empty. */
  interrupt(replyId = ''): void {
    const frame: WireClientFrame = { ref: `i${++this.refCounter}`, interrupt: replyId ? { replyId } : {} };
    if (!this.transmit(frame)) {
      this.dispatch({ type: 'notice', text: 'Not connected: could not stop the reply.', tone: 'error' });
      return;
    }
    this.dispatch({ type: 'replyStopping', replyId });
  }

  /** Call on every keystroke; sends at most one typing hint per 3 s. */
  notifyTyping(): void {
    const now = this.now();
    if (!this.live || now - this.lastTypingSentAt < TYPING_THROTTLE_MS) return;
    if (this.transmit({ typing: {} })) this.lastTypingSentAt = now;
  }

  loadEarlier(): void {
    const s = this.state;
    if (s.loadingHistory || !s.hasMoreBefore || !s.joined) return;
    const epoch = s.timelineEpoch;
    const before = historyCursor(s);
    this.dispatch({ type: 'historyLoading' });
    this.opts.api
      .loadHistoryBefore(this.opts.roomId, { inviteToken: this.opts.inviteToken }, before, HISTORY_PAGE)
      .then(
        (page) => this.dispatch({ type: 'historyLoaded', epoch, page }),
        (exc: unknown) =>
          this.dispatch({
            type: 'historyFailed',
            message: `Could not load earlier messages: ${exc instanceof Error ? exc.message : String(exc)}`,
          }),
      );
  }

  dismissNotice(id: number): void {
    const t = this.noticeTimers.get(id);
    if (t) clearTimeout(t);
    this.noticeTimers.delete(id);
    this.dispatch({ type: 'noticeDismissed', id });
  }

  /** Shows a notice from the UI (e.g. a failed REST call). */
  notify(text: string, tone: 'error' | 'info' = 'error'): void {
    this.dispatch({ type: 'notice', text, tone });
  }

  // ------------------------------------------------------------ timers

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (this.now() - this.lastFrameAt > HEARTBEAT_TIMEOUT_MS) {
        // Silent for too long: the connection is dead even if no close came.
        this.dropSocket(4000, 'heartbeat timeout');
        this.onSocketGone(4000);
        return;
      }
      this.transmit({ ping: {} });
    }, HEARTBEAT_INTERVAL_MS);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private queueTimer: ReturnType<typeof setInterval> | null = null;

  /** While a waiting turn is idle, check each second whether it was stopped. */
  private armQueueTimer(): void {
    if (this.queueTimer || !this.running || !this.state.queue.some((q) => q.idleSince > 0)) return;
    this.queueTimer = setInterval(() => {
      this.dispatch({ type: 'queueExpired', now: this.now() });
      if (!this.state.queue.some((q) => q.idleSince > 0) && this.queueTimer) {
        clearInterval(this.queueTimer);
        this.queueTimer = null;
      }
    }, 1000);
  }

  private armTypingTimer(): void {
    if (this.typingTimer || !this.running) return;
    this.typingTimer = setInterval(() => {
      this.dispatch({ type: 'typingExpired', now: this.now() });
      if (Object.keys(this.state.typing).length === 0 && this.typingTimer) {
        clearInterval(this.typingTimer);
        this.typingTimer = null;
      }
    }, 1000);
  }

  private armNoticeTimers(): void {
    if (!this.running) return;
    const live = new Set(this.state.notices.map((n) => n.id));
    for (const [id, t] of this.noticeTimers) {
      if (!live.has(id)) {
        clearTimeout(t);
        this.noticeTimers.delete(id);
      }
    }
    for (const n of this.state.notices) {
      if (this.noticeTimers.has(n.id)) continue;
      this.noticeTimers.set(
        n.id,
        setTimeout(() => {
          this.noticeTimers.delete(n.id);
          this.dispatch({ type: 'noticeDismissed', id: n.id });
        }, NOTICE_TTL_MS),
      );
    }
  }
}
