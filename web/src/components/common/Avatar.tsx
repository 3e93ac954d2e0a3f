import type { CSSProperties } from 'react';
import type { ParticipantKind } from '../../api/models';

/** A stable hue per name, so each participant keeps a colour. */
export function hueFor(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

export function Avatar({ name, kind, size = 'md' }: { name: string; kind: ParticipantKind; size?: 'sm' | 'md' }) {
  const initial = (name.trim()[0] ?? '?').toUpperCase();
  return (
    <span
      className={`avatar avatar-${size} ${kind === 'persona' ? 'avatar-persona' : ''}`}
      style={{ '--hue': hueFor(name) } as CSSProperties}
      aria-hidden="true"
    >
      {initial}
    </span>
  );
}
