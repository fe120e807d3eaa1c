// A registered Cloud Function served by the Functions Framework on a free local port, as Cloud Run serves it.
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';

export interface FunctionServer {
  /** http://127.0.0.1:<port>, the function's URL (push subscriptions add the topic path). */
  origin: string;
  close(): Promise<void>;
}

/** Serves the function registered under `name` (functions/index.js registers them when imported). */
export async function serveFunction(name: string): Promise<FunctionServer> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      // Pushes and fetches keep their connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
