// Production entry point (App Engine runs `node dist/app/server.js`): config, secrets, database, then serve.
import { exitOnStartupError } from '../shared/platform/boot.js';
import { openServices } from '../shared/services.js';
import { createApp } from './app.js';
import { requireWebhookPathSecret, subscriptionCache } from './routes/webhook.js';
import { closeServer, listen } from './serve.js';

async function main(): Promise<void> {
  // Strava does not sign webhook events: without an unguessable callback path anyone could post them.
  const services = await openServices({
    reader: 'app',
    bus: 'configured',
    archiveStore: true,
    check: (config, secrets) => requireWebhookPathSecret(secrets.webhookPathSecret ?? config.webhookPathSecret),
  });
  // The subscription id is known before the first event is answered (read from the database, bounded wait).
  await Promise.race([subscriptionCache(services).ready(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  const { server, port } = await listen(createApp(services), services.config.port, services.config.host);
  services.log.info(`Listening on port ${port}`, { publicBaseUrl: services.config.publicBaseUrl });

  const stop = async (signal: string) => {
    services.log.info(`Received ${signal}, shutting down`);
    await closeServer(server);
    await services.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch(exitOnStartupError);
