// Serves the few static files under app/static, read once at start-up; nothing outside that folder is reachable.
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Hono } from 'hono';
import { fromRoot } from '../shared/paths.js';
import type { AppEnv } from './env.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.js': 'text/javascript; charset=utf-8',
};

function loadStatic(): Map<string, { body: Uint8Array; type: string }> {
  const dir = fromRoot('app', 'static');
  const files = new Map<string, { body: Uint8Array; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: new Uint8Array(readFileSync(`${dir}/${name}`)), type });
  }
  return files;
}

export function staticRoutes() {
  const files = loadStatic();
  return new Hono<AppEnv>().get('/static/:name', (c) => {
    const file = files.get(c.req.param('name'));
    if (!file) return c.notFound();
    c.header('content-type', file.type);
    c.header('cache-control', 'public, max-age=3600');
    return c.body(file.body as Uint8Array<ArrayBuffer>);
  });
}
