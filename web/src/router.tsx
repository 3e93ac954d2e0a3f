/**
 * A tiny history-API router: two routes do not need a library. `navigate`
 * pushes a URL (with optional state), `useLocation` re-renders on changes.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const NAV_EVENT = 'chorus:navigate';

export interface AppLocation {
  pathname: string;
  hash: string;
  state: unknown;
}

let cached: AppLocation | null = null;

function snapshot(): AppLocation {
  const { pathname, hash } = window.location;
  const state: unknown = window.history.state;
  if (!cached || cached.pathname !== pathname || cached.hash !== hash || cached.state !== state) {
    cached = { pathname, hash, state };
  }
  return cached;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener('hashchange', onChange);
  window.addEventListener(NAV_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener(NAV_EVENT, onChange);
  };
}

export function useLocation(): AppLocation {
  return useSyncExternalStore(subscribe, snapshot);
}

export function navigate(to: string, options: { replace?: boolean; state?: unknown } = {}): void {
  const state = options.state ?? null;
  if (options.replace) window.history.replaceState(state, '', to);
  else window.history.pushState(state, '', to);
  window.scrollTo?.(0, 0);
  window.dispatchEvent(new Event(NAV_EVENT));
}

/** Drops one-shot navigation state (e.g. "room just created") without moving. */
export function clearLocationState(): void {
  const { pathname, search, hash } = window.location;
  window.history.replaceState(null, '', pathname + search + hash);
  window.dispatchEvent(new Event(NAV_EVENT));
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
