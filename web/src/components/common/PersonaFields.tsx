import type { GenerationSettings, ModelList, PersonaSpec } from '../../api/models';
import { usePresets } from '../../hooks/usePresets';
import { useVoices } from '../../hooks/useVoices';
import { ModelSelect } from './ModelSelect';

interface Props {
  value: PersonaSpec;
  onChange: (next: PersonaSpec) => void;
  models: ModelList | null;
  /** Suffix of the data-testids (persona-name-<suffix>, ...) and of the ids. */
  suffix: string;
}

/** docs/protocol.md, "Limits". */
const PROMPT_MAX = 8000;

type NumberKey = 'temperature' | 'maxTokens' | 'topP';

const SETTINGS: { key: NumberKey; label: string; min: number; max: number; step: number; hint: string }[] = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.1, hint: 'Lower is steadier, higher more varied' },
  { key: 'maxTokens', label: 'Max tokens', min: 1, max: 4096, step: 1, hint: 'Longest reply, in tokens' },
  { key: 'topP', label: 'Top p', min: 0, max: 1, step: 0.05, hint: 'Sample from this share of likely words' },
];

/** The editable fields of a persona; shared by room creation and the owner's editor. */
export function PersonaFields({ value, onChange, models, suffix }: Props) {
  const presets = usePresets();
  const voices = useVoices();
  const set = <K extends keyof PersonaSpec>(key: K, v: PersonaSpec[K]) => onChange({ ...value, [key]: v });
  const id = (field: string) => `persona-${field}-${suffix}`;
  const generation: GenerationSettings = value.generation ?? {};
  const setNumber = (key: NumberKey, raw: string) => {
    const next: GenerationSettings = { ...generation };
    const n = raw === '' ? NaN : Number(raw);
    if (Number.isFinite(n)) next[key] = key === 'maxTokens' ? Math.round(n) : n;
    else delete next[key];
    const empty = Object.keys(next).length === 0;
    const spec: PersonaSpec = { ...value };
    if (empty) delete spec.generation;
    else spec.generation = next;
    onChange(spec);
  };

  return (
    <div className="persona-fields">
      {presets.length > 0 && (
        <label className="field">
          <span>Start from a preset</span>
          <select
            id={id('preset')}
            data-testid={id('preset')}
            value=""
            onChange={(e) => {
              const preset = presets.find((p) => p.id === e.target.value);
              if (preset) onChange({ ...preset.persona, model: preset.persona.model || value.model });
            }}
          >
            <option value="">Choose a preset…</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id} title={p.description}>
                {p.persona.name}
                {p.persona.title ? ` — ${p.persona.title}` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="field-row">
        <label className="field">
          <span>Name</span>
          <input
            id={id('name')}
            data-testid={id('name')}
            value={value.name}
            onChange={(e) => set('name', e.target.value)}
            placeholder="Ada"
            maxLength={40}
            required
            autoComplete="off"
          />
        </label>
        <label className="field">
          <span>Title</span>
          <input
            id={id('title')}
            data-testid={id('title')}
            value={value.title}
            onChange={(e) => set('title', e.target.value)}
            placeholder="Curious mathematician"
            maxLength={80}
            autoComplete="off"
          />
        </label>
        <label className="field field-model">
          <span>Model</span>
          <ModelSelect
            id={id('model')}
            testId={id('model')}
            value={value.model}
            onChange={(m) => set('model', m)}
            models={models}
          />
        </label>
      </div>
      {voices.length > 0 && (
        <label className="field">
          <span>Voice</span>
          <select
            id={id('voice')}
            data-testid={id('voice')}
            value={value.voice}
            onChange={(e) => set('voice', e.target.value)}
          >
            <option value="">Any voice not taken in the room</option>
            {voices.map((v) => (
              <option key={v.id} value={v.id} disabled={!v.available} title={v.description}>
                {v.displayName}
                {v.description ? ` — ${v.description}` : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="field">
        <span>
          System prompt{' '}
          <span className="field-hint">
            {value.systemPrompt.length} / {PROMPT_MAX}
          </span>
        </span>
        <textarea
          id={id('prompt')}
          data-testid={id('prompt')}
          className="prompt-editor"
          value={value.systemPrompt}
          onChange={(e) => set('systemPrompt', e.target.value)}
          rows={8}
          maxLength={PROMPT_MAX}
          placeholder="Who is this persona, how do they speak, what do they care about?"
        />
      </label>
      <details className="model-settings" id={id('settings')} open={value.generation !== undefined}>
        <summary>Model settings</summary>
        <div className="field-row">
          {SETTINGS.map((s) => (
            <label className="field" key={s.key}>
              <span>{s.label}</span>
              <input
                id={id(s.key)}
                data-testid={id(s.key)}
                type="number"
                inputMode="decimal"
                min={s.min}
                max={s.max}
                step={s.step}
                value={generation[s.key] ?? ''}
                placeholder="default"
                onChange={(e) => setNumber(s.key, e.target.value)}
                aria-describedby={`${id(s.key)}-hint`}
              />
              <span className="field-hint" id={`${id(s.key)}-hint`}>
                {s.hint}
              </span>
            </label>
          ))}
        </div>
      </details>
    </div>
  );
}
