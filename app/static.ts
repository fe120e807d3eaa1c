// Serves the few static files under app/static, the polyline decoder the server itself uses, and the map library from
// its npm package, read once at start-up; nothing else on disk is reachable.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
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
  // The heatmap page decodes the routes with the very module the server encodes them with (plain JavaScript for that reason).
  files.set('polyline.js', { body: new Uint8Array(readFileSync(fromRoot('shared', 'activities', 'polyline.js'))), type: TYPES['.js']! });
  for (const name of ['leaflet.js', 'leaflet.css']) {
    files.set(`leaflet-${LEAFLET.version}${extname(name)}`, {
      body: new Uint8Array(readFileSync(join(LEAFLET.dir, 'dist', name))),
      type: TYPES[extname(name)]!,
    });
  }
  return files;
}

// Leaflet from its npm package (never a CDN), under names that carry its version so browsers may cache them for long.
const LEAFLET = (() => {
  const dir = dirname(createRequire(import.meta.url).resolve('leaflet/package.json'));
  return { dir, version: (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version };
})();

/** The map library's addresses, for the map pages' script and style links. */
export const leafletAssets = { js: `/static/leaflet-${LEAFLET.version}.js`, css: `/static/leaflet-${LEAFLET.version}.css` };

export function staticRoutes() {
  const files = loadStatic();
  return new Hono<AppEnv>().get('/static/:name', (c) => {
    const file = files.get(c.req.param('name'));
    if (!file) return c.notFound();
    c.header('content-type', file.type);
    // Versioned names never change content; the site's own files may change with a deploy.
    c.header('cache-control', c.req.param('name').startsWith('leaflet-') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    return c.body(file.body as Uint8Array<ArrayBuffer>);
  });
}
