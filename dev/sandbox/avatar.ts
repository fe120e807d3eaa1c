// Profile pictures served by the sandbox itself, so athlete JSON never points at the internet.

import { Hono } from 'hono';
import type { SandboxContext, SandboxEnv } from './context.js';
import { avatarSvg } from './pages.js';

export function avatarRoutes(ctx: SandboxContext): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  app.get('/avatar/:file', (c) => {
    const match = /^(\d+)\.svg$/.exec(c.req.param('file'));
    const athlete = match ? ctx.store.athletes.get(Number(match[1])) : undefined;
    if (!athlete) return c.text('Not Found', 404);
    const size = Math.min(512, Math.max(16, Number(c.req.query('size')) || 124));
    c.header('Content-Type', 'image/svg+xml; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(avatarSvg(athlete, size));
  });
  return app;
}
