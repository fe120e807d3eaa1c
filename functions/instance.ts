// What a function instance builds once, on its first call, and keeps while it lives; a failed build is retried next call.

export interface PerInstance<T> {
  get(): Promise<T>;
  /** Disposes of what was built (tests, and an instance being shut down); the next get() builds afresh. */
  close(): Promise<void>;
}

export function perInstance<T>(build: () => Promise<T>, dispose: (built: T) => Promise<void>): PerInstance<T> {
  let value: Promise<T> | undefined;
  return {
    get() {
      value ??= build().catch((error: unknown) => {
        value = undefined;
        throw error;
      });
      return value;
    },
    async close() {
      const current = value;
      value = undefined;
      const built = current ? await current.catch(() => undefined) : undefined;
      if (built !== undefined) await dispose(built);
    },
  };
}
