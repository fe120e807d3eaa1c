// Persistence with statePath: a restarted sandbox keeps tokens, grants, created athletes and added activities.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { T0, authorizeUrl, consent, exchangeCode, fakeClock, getJson, listAll, refresh, start } from './helpers.js';

describe('statePath', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'strava-sandbox-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('tokens, grants, athletes and activities survive a restart; seeded data is identical', async () => {
    const statePath = join(dir, 'nested', 'state.json');
    const clock = fakeClock(T0);
    const first = await start({ now: clock.now, statePath });
    let demoIds: number[];
    let tokens: { access_token: string; refresh_token: string };
    let rotatedAway: string;
    let created: number;
    let added: number;
    let createdToken: string;
    try {
      const { query } = await consent(first, { scope: 'read,activity:read_all', approval_prompt: 'force' });
      const exchanged = (await exchangeCode(first, query.get('code')!)).body;
      // Rotate once so the state holds a dead refresh token that must stay dead.
      clock.advance(5.5 * 3600);
      const rotated = (await refresh(first, exchanged.refresh_token)).body;
      assert.notEqual(rotated.refresh_token, exchanged.refresh_token);
      rotatedAway = exchanged.refresh_token;
      tokens = rotated;
      demoIds = (await listAll(first, tokens.access_token)).map((a) => a.id);

      created = first.createAthlete({ firstname: 'Persis', lastname: 'Tent', activityCount: 7 });
      added = first.addActivity(created, { name: 'Added at run time', distance: 4200, moving_time: 1500 });
      createdToken = first.issueTokens(created, ['read', 'activity:read_all'], { expiresInSeconds: 2 * 86_400 }).access_token;
    } finally {
      await first.close();
    }

    const saved = JSON.parse(readFileSync(statePath, 'utf8'));
    assert.equal(saved.version, 1);
    assert.ok(!JSON.stringify(saved).includes(first.clientSecret), 'the client secret is not written to the state file');

    // A day later, on a new port.
    clock.advance(20 * 3600 + 1);
    const second = await start({ now: clock.now, statePath });
    try {
      assert.notEqual(second.url, first.url);
      const refreshed = await refresh(second, tokens.refresh_token);
      assert.equal(refreshed.status, 200, 'the latest refresh token still works');
      assert.equal((await refresh(second, rotatedAway)).status, 400, 'the rotated-away one stays dead');
      const token = refreshed.body.access_token;
      assert.deepEqual(
        (await listAll(second, token)).map((a) => a.id),
        demoIds,
        'seeded ids identical after restart',
      );

      const me = await getJson(`${second.apiBaseUrl}/athlete`, createdToken);
      assert.equal(me.status, 200, 'a token issued before the restart is still valid');
      assert.equal(me.body.firstname, 'Persis');
      const theirs = await listAll(second, createdToken);
      assert.equal(theirs.length, 8);
      assert.equal(theirs[0].id, added);
      assert.equal(theirs[0].name, 'Added at run time');

      const auto = await fetch(authorizeUrl(second, { scope: 'read', approval_prompt: 'auto' }), { redirect: 'manual' });
      assert.equal(auto.status, 302, 'the grant survived, so approval_prompt=auto skips the page');
      await auto.arrayBuffer();

      const next = second.createAthlete();
      assert.ok(next > created, 'ids keep counting from where they were');
      assert.ok(second.addActivity(next, {}) > added);
    } finally {
      await second.close();
    }
  });

  test('without statePath a restart forgets every token', async () => {
    const clock = fakeClock(T0);
    const first = await start({ now: clock.now });
    const t = first.issueTokens(first.demoAthleteId, ['read']);
    await first.close();
    const second = await start({ now: clock.now });
    try {
      assert.equal((await getJson(`${second.apiBaseUrl}/athlete`, t.access_token)).status, 401);
    } finally {
      await second.close();
    }
  });
});
