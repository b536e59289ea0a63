/**
 * When a side of a worker window's sync cell should spin for the other side's next move before it
 * sleeps (the renderer waiting for a reply, the host for the next request).
 *
 * Catching the other side awake saves a wake-up (~5–40 µs on a VM), but a spin that misses only
 * burns a core the other side may need. One miss is no reason to stop: a GC pause, a timer, or the
 * scheduler moving a thread makes the odd miss in the tightest loop, and turning spinning off for
 * dozens of calls after each (what an earlier version did) halved the sync round-trip rate. So a
 * catch refills the gate and a miss drains an eighth of it: eight misses in a row close it, and
 * while it is closed one call in 32 tries again, so a side that calls now and then spins for
 * almost nothing.
 *
 * @module
 */

const FULL = 8;

/** A side's spin decision, one per cell and side; allocation-free. */
export class SpinGate {
  #credit = FULL;
  #calls = 0;

  /** Whether to spin before this wait. */
  open(): boolean {
    return this.#credit > 0 || (++this.#calls & 31) === 0;
  }

  /** Records whether the spin caught the other side. */
  record(caught: boolean): void {
    this.#credit = caught ? FULL : this.#credit > 0 ? this.#credit - 1 : 0;
  }
}

/**
 * Spins up to `ms` until `cell[index]` is `value`; whether it got there. The clock is read only
 * now and then: a spin's cost is mostly the loads.
 *
 * @example
 * ```ts ignore
 * if (!spinUntil(cell, SEQ, seq, 0.05)) sleep();
 * ```
 */
export function spinUntil(cell: Int32Array, index: number, value: number, ms: number): boolean {
  const until = performance.now() + ms;
  for (let i = 1; Atomics.load(cell, index) !== value; i++) {
    if ((i & 31) === 0 && performance.now() > until) return false;
  }
  return true;
}

/**
 * Spins up to `ms` while `cell[index]` is `value`; whether it moved.
 *
 * @example
 * ```ts ignore
 * const rang = spinWhile(cell, BELL, seenBell, 0.005);
 * ```
 */
export function spinWhile(cell: Int32Array, index: number, value: number, ms: number): boolean {
  const until = performance.now() + ms;
  for (let i = 1; Atomics.load(cell, index) === value; i++) {
    if ((i & 15) === 0 && performance.now() > until) return false;
  }
  return true;
}
