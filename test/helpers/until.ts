// Waits for something that happens elsewhere (a push, a redelivery, a replay) by asking again every 200 ms.

/** Resolves with the probe's first answer that is neither undefined nor false; fails naming `what` after the timeout. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
