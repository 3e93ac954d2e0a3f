import type { ModelList, PersonaSpec } from '../../api/models';
import { ModelSelect } from './ModelSelect';

interface Props {
  value: PersonaSpec;
  onChange: (next: PersonaSpec) => void;
  models: ModelList | null;
  /** Suffix of the data-testids (persona-name-<suffix>, ...) and of the ids. */
  suffix: string;
}

/** The editable fields of a persona; shared by room creation and the owner's editor. */
export function PersonaFields({ value, onChange, models, suffix }: Props) {
  const set = <K extends keyof PersonaSpec>(key: K, v: PersonaSpec[K]) => onChange({ ...value, [key]: v });
  const id = (field: string) => `persona-${field}-${suffix}`;
  return (
    <div className="persona-fields">
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
      <label className="field">
        <span>System prompt</span>
        <textarea
          id={id('prompt')}
          data-testid={id('prompt')}
          value={value.systemPrompt}
          onChange={(e) => set('systemPrompt', e.target.value)}
          rows={3}
          placeholder="Who is this persona, how do they speak, what do they care about?"
        />
      </label>
    </div>
  );
}
