// What a function instance builds once, on its first call, and keeps while it lives; a failed build is retried next call.
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { MessagePublishedData } from '../shared/platform/bus.js';
import { openServices, type OpenServicesOptions, type Services } from '../shared/services.js';

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

/** A function's services, opened on its first call as every entry point opens them, and kept while the instance lives. */
export function servicesPerInstance(options: OpenServicesOptions): PerInstance<Services> {
  return perInstance(
    () => openServices(options),
    (built) => built.close(),
  );
}

/** A CloudEvent function that hands each push to one of the services' topic handlers. */
export function pushFunction(services: PerInstance<Services>, topic: keyof Services['handlers']) {
  return async (event: CloudEvent<MessagePublishedData>): Promise<void> => {
    const { handlers } = await services.get();
    await handlers[topic](event);
  };
}
