import type { ModelList } from '../../api/models';

interface Props {
  id?: string;
  value: string;
  onChange: (model: string) => void;
  models: ModelList | null;
  testId?: string;
}

/** A model picker; "" means the chat service's default. */
export function ModelSelect({ id, value, onChange, models, testId }: Props) {
  const list = models?.models ?? [];
  const known = list.some((m) => m.id === value);
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {!models?.defaultModel && <option value="">Default model</option>}
      {value && !known && <option value={value}>{value}</option>}
      {list.map((m) => (
        <option
          key={m.id}
          value={m.id}
          disabled={!m.available}
          title={m.available ? `${m.provider}${m.contextSize ? ` · ${m.contextSize} tokens` : ''}` : m.unavailableReason}
        >
          {m.displayName}
          {m.id === models?.defaultModel ? ' (default)' : ''}
          {m.available ? '' : ' — unavailable'}
        </option>
      ))}
    </select>
  );
}
