/** @jsxImportSource preact */
/**
 * Tiny SVG charts: no library, a `viewBox` stretched to the container's width, and strokes that
 * keep their width however it is stretched (`vector-effect`).
 *
 * @module
 */
/// <reference lib="dom" />

const W = 100;

interface ChartProps {
  values: readonly number[];
  height?: number;
  /** The bottom of the value range; defaults to the smallest value. */
  min?: number;
  /** The top of the value range; defaults to the largest value. */
  max?: number;
}

/**
 * Maps a value to a y coordinate, `max` (default: the largest value) at the top, with 2 px of
 * room at each end; larger values are clipped.
 */
function scale(values: readonly number[], height: number, min?: number, max?: number) {
  const lo = min ?? Math.min(...values);
  const hi = Math.max(max ?? Math.max(...values), lo + 1e-9);
  return (v: number) => height - 2 - ((Math.min(v, hi) - lo) / (hi - lo)) * (height - 4);
}

/** A line with a soft fill under it, oldest value on the left, across the whole width. */
export function Sparkline({ values, height = 48, min, max }: ChartProps) {
  if (values.length < 2) return <svg class="chart" style={{ height }} />;
  const y = scale(values, height, min, max);
  const step = W / (values.length - 1);
  const line = values.map((v, i) => `${i ? "L" : "M"}${(i * step).toFixed(2)},${y(v).toFixed(2)}`)
    .join("");
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${height}`} preserveAspectRatio="none" style={{ height }}>
      <path class="chart__area" d={`${line}L${W},${height}L0,${height}Z`} />
      <path class="chart__line" d={line} vector-effect="non-scaling-stroke" />
    </svg>
  );
}

/**
 * One bar per value in `slots` places, newest on the right, with a dashed line at `mark` (e.g.
 * the median).
 */
export function Bars(
  { values, slots, height = 48, max, mark }: ChartProps & { slots: number; mark?: number },
) {
  if (values.length === 0) return <svg class="chart" style={{ height }} />;
  const y = scale(values, height, 0, max);
  const step = W / Math.max(slots, values.length);
  const x0 = W - values.length * step;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${height}`} preserveAspectRatio="none" style={{ height }}>
      {values.map((v, i) => (
        <rect
          key={i}
          class="chart__bar"
          x={x0 + i * step + step * 0.15}
          width={step * 0.7}
          y={y(v)}
          height={Math.max(1, height - y(v))}
        />
      ))}
      {mark !== undefined && Number.isFinite(mark) && (
        <line
          class="chart__mark"
          x1={0}
          x2={W}
          y1={y(mark)}
          y2={y(mark)}
          vector-effect="non-scaling-stroke"
        />
      )}
    </svg>
  );
}
