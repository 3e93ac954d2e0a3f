import type { PersonaSpec } from '../api/models';

export function emptyPersona(model = ''): PersonaSpec {
  return { name: '', title: '', systemPrompt: '', model, voice: '' };
}

/** The row a new room starts with, so a first room works with one click. */
export function examplePersona(model = ''): PersonaSpec {
  return {
    name: 'Ada',
    title: 'Curious mathematician',
    systemPrompt:
      'You are Ada, a warm and curious mathematician. Answer in two or three plain sentences, ' +
      'stay in character, and ask a short follow-up question when it helps the conversation.',
    model,
    voice: '',
  };
}

/** A problem with these personas, in words, or "" when they are fine. */
export function personaProblem(personas: readonly PersonaSpec[], takenNames: readonly string[] = []): string {
  const seen = new Set(takenNames.map((n) => n.trim().toLocaleLowerCase()));
  for (const [i, p] of personas.entries()) {
    const name = p.name.trim();
    if (!name) return `Persona ${i + 1} needs a name.`;
    if (name.includes('@')) return `“${name}”: a name cannot contain “@”.`;
    const key = name.toLocaleLowerCase();
    if (seen.has(key)) return `The name “${name}” is already taken.`;
    seen.add(key);
  }
  return '';
}

export function trimPersona(p: PersonaSpec): PersonaSpec {
  return { ...p, name: p.name.trim(), title: p.title.trim(), systemPrompt: p.systemPrompt.trim() };
}
