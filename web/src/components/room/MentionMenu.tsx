import type { Participant } from '../../api/models';
import { Avatar } from '../common/Avatar';

interface Props {
  id: string;
  items: Participant[];
  active: number;
  onPick: (p: Participant) => void;
  onHover: (index: number) => void;
}

export function MentionMenu({ id, items, active, onPick, onHover }: Props) {
  return (
    <ul className="mention-menu" role="listbox" id={id} aria-label="Mention someone" data-testid="mention-menu">
      {items.map((p, i) => (
        <li
          key={p.id}
          id={`${id}-opt-${i}`}
          role="option"
          aria-selected={i === active}
          className={i === active ? 'active' : ''}
          data-testid="mention-option"
          // mousedown, not click: keep the textarea focused.
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(p);
          }}
          onMouseEnter={() => onHover(i)}
        >
          <Avatar name={p.name} kind={p.kind} size="sm" />
          <span className="mention-name">{p.name}</span>
          {p.title && <span className="muted small">{p.title}</span>}
        </li>
      ))}
    </ul>
  );
}
