/**
 * A process short of CPU, for real: its event loop kept busy for `ms` at a time, `times` over, with a moment
 * between for timers (the door's lag measure among them) to run late.
 */
export async function keepLoopBusy(ms = 600, times = 3): Promise<void> {
  for (let i = 0; i < times; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
