// Production entry point (App Engine runs `node dist/app/server.js`): config, secrets, database, then serve.
import { createBus } from '../shared/events/pubsub-bus.js';
import { createRuntime } from '../shared/runtime.js';
import { exitOnStartupError, loadConfigAndSecrets } from '../shared/boot.js';
import { createApp } from './app.js';
import { closeServer, listen } from './serve.js';

async function main(): Promise<void> {
  const { config, secrets } = await loadConfigAndSecrets({ reader: 'app' });
  const runtime = await createRuntime(config, secrets);
  const bus = await createBus(config, { log: runtime.log });
  const { server, port } = await listen(createApp({ ...runtime, bus }), config.port);
  runtime.log.info(`Listening on port ${port}`, { publicBaseUrl: config.publicBaseUrl });

  const stop = async (signal: string) => {
    runtime.log.info(`Received ${signal}, shutting down`);
    await closeServer(server);
    await bus.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch(exitOnStartupError);
