/** @jsxImportSource preact */
/**
 * The frame every panel shares: a title with the ipc call it exercises, the body, and a line on
 * how it works.
 *
 * @module
 */
/// <reference lib="dom" />
import type { ComponentChildren, RefObject } from "preact";

/** Props of {@linkcode Card}. */
export interface CardProps {
  /** The panel's name, also its CSS modifier (`card--ping`) and accent colour. */
  name: string;
  title: string;
  /** The ipc calls the panel makes, shown as code. */
  api: string;
  /** One sentence on what happens behind the panel, under it (if given). */
  note?: ComponentChildren;
  cardRef?: RefObject<HTMLElement | null>;
  children: ComponentChildren;
}

/** A panel. */
export function Card({ name, title, api, note, cardRef, children }: CardProps) {
  return (
    <section class={`card card--${name}`} ref={cardRef}>
      <header class="card__head">
        <span class="card__dot" aria-hidden="true" />
        <h2>{title}</h2>
        <code class="card__api">{api}</code>
      </header>
      <div class="card__body">{children}</div>
      {note && <footer class="card__note">{note}</footer>}
    </section>
  );
}

/** A big number with its unit and a caption under it. */
export function Metric(
  { value, unit, caption }: { value: string; unit?: string; caption: ComponentChildren },
) {
  return (
    <div class="metric">
      <div class="metric__value">
        {value}
        {unit && <span class="metric__unit">{unit}</span>}
      </div>
      <div class="metric__caption">{caption}</div>
    </div>
  );
}

/** Small labelled figures in a row. */
export function Stats({ items }: { items: [label: string, value: string][] }) {
  return (
    <dl class="stats">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
