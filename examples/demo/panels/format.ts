/**
 * Number formatting shared by the panels.
 *
 * @module
 */

/** The median of `values` (not sorted in place); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The value below which `p` (0–1) of `values` lie. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Milliseconds as whole microseconds: "312". */
export function micros(ms: number): string {
  return Number.isFinite(ms) ? Math.round(ms * 1000).toLocaleString("en-US") : "–";
}

/** Milliseconds with a precision that suits their size: "0.42", "3.1", "180". */
export function millis(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms).toString();
}

/** Bytes in binary units: "84.2 MiB". */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i === 0 ? 0 : n < 10 ? 2 : 1)} ${units[i]}`;
}

/** Seconds as the two largest units: "3 d 4 h", "12 min 5 s", "4.2 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), "d"],
    [Math.floor(seconds / 3600) % 24, "h"],
    [Math.floor(seconds / 60) % 60, "min"],
    [Math.floor(seconds) % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts.slice(first, first + 2).map(([n, unit]) => `${n} ${unit}`).join(" ");
}

/** A count with thousands separators: "12,345". */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
