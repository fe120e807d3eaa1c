// The heatmap: all of the athlete's routes on one map, fetched in one request, privacy zones applied on the server.
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { athleteTracks } from '../../shared/activities/index.js';
import type { AppEnv } from '../env.js';
import { requireAthlete } from '../session.js';
import { leafletAssets } from '../static.js';
import { page } from '../views.js';
import { viewerOf } from '../viewer.js';

export const heatmapPages = new Hono<AppEnv>()
  .get('/heatmap', requireAthlete, async (c) => {
    const viewer = await viewerOf(c);
    const { t } = viewer;
    const tiles = c.get('deps').config.map;
    return page(c, 'heatmap', {
      title: t.heatmapTitle,
      mapAssets: leafletAssets,
      liveMap: {
        source: '/heatmap/routes.json',
        tiles: tiles.tileUrl ?? '',
        attribution: tiles.attribution,
        attributionUrl: tiles.attributionUrl ?? '',
        imperial: viewer.units === 'imperial' ? '1' : '',
        words: JSON.stringify({ failed: t.heatmapFailed, tilesFailed: t.mapTilesFailed, zoomIn: t.mapZoomIn, zoomOut: t.mapZoomOut, units: t.mapScaleUnits }),
      },
    });
  })

  .get('/heatmap/routes.json', requireAthlete, async (c) => {
    const { pool } = c.get('deps');
    const viewer = await viewerOf(c);
    // Through the privacy gate: the routes come out already cut by the athlete's zones.
    const data = await (await athleteTracks(pool, viewer.athlete.id)).heatmap();
    const body = JSON.stringify({ label: viewer.t.heatmapCount(data.activities), routes: data.routes });
    // Unchanged routes answer 304: a reopened heatmap costs no download.
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    c.header('etag', etag);
    c.header('cache-control', 'private, no-cache');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('content-type', 'application/json; charset=utf-8');
    return c.body(body);
  });
