// Replays every answer recorded from real Strava (test/fixtures/strava/recorded) through the client, the mapping into the database, error handling and webhook validation.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { UnsafeActivityIdError, upsertActivities } from '../../shared/activities/store.js';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { parseWebhookEvent } from '../../shared/events/webhook-event.js';
import { fromRoot } from '../../shared/paths.js';
import { StravaClient } from '../../shared/strava/client.js';
import { parseFault, StravaError, StravaRequestError, toStravaError, type StravaFailureKind } from '../../shared/strava/errors.js';
import { isSafeId, UnsafeIdError } from '../../shared/strava/json.js';
import type { SummaryActivity } from '../../shared/strava/types.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

interface Recorded {
  file: string;
  origin: string;
  request: { method: string; path: string };
  status: number | null;
  headers: Record<string, string>;
  body: string;
}

const ROOT = fromRoot('test', 'fixtures', 'strava', 'recorded');
const recorded: Recorded[] = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) =>
    readdirSync(`${ROOT}/${dir.name}`)
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({ file: `${dir.name}/${name}`, ...(JSON.parse(readFileSync(`${ROOT}/${dir.name}/${name}`, 'utf8')) as Omit<Recorded, 'file'>) })),
  );

/** A client whose every request is answered with the recorded answer, exactly as Strava sent it. */
function clientAnswering(answer: Recorded): StravaClient {
  return new StravaClient({
    apiBaseUrl: 'https://www.strava.com/api/v3',
    oauthBaseUrl: 'https://www.strava.com/oauth',
    clientId: '1',
    clientSecret: 'secret',
    retries: 0,
    fetch: async () => new Response(answer.status === 204 ? null : answer.body, { status: answer.status ?? 200, headers: answer.headers }),
  });
}

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
});
after(() => db.close());

test('the recorded set covers what it is meant to cover', () => {
  assert.ok(recorded.length >= 30, `only ${recorded.length} recorded answers`);
  const statuses = new Set(recorded.map((r) => r.status));
  for (const status of [200, 400, 401, 403, 404, 429]) assert.ok(statuses.has(status), `no recorded ${status}`);
  assert.ok(
    recorded.some((r) => r.status === 404 && r.body === ''),
    'a real 404 with an empty body',
  );
  assert.ok(
    recorded.some((r) => /"errors":"/.test(r.body)),
    'errors as a string',
  );
  for (const r of recorded) assert.ok(r.origin, `${r.file} names its origin`);
});

const successes = recorded.filter((r) => r.status === 200 && r.request.path.startsWith('/api/v3/'));

describe('successful answers map into the database', () => {
  let athleteId = 900_000;
  for (const answer of successes) {
    test(`${answer.file} (${answer.request.path})`, async () => {
      const client = clientAnswering(answer);
      const path = answer.request.path;
      if (path === '/api/v3/athlete') {
        const athlete = await client.getAthlete('token');
        if (!isSafeId(athlete.id)) {
          // Strava's own documentation example uses an athlete id beyond 2^53: exact on the way in, refused by name.
          assert.equal(typeof athlete.id, 'string');
          await assert.rejects(
            upsertConnectedAthlete(db.pool, athlete, ['read']),
            (error: unknown) => error instanceof UnsafeIdError && error.ids[0] === String(athlete.id),
          );
          return;
        }
        const row = await upsertConnectedAthlete(db.pool, athlete, ['read']);
        assert.equal(row.id, athlete.id);
        return;
      }
      if (path === '/api/v3/activities/{id}/streams' || path.startsWith('/api/v3/push_subscriptions')) {
        // Read without throwing; the shape is checked by the code that uses it.
        await client.getStreams('token', 1, ['time']);
        return;
      }
      const activities: SummaryActivity[] =
        path === '/api/v3/athlete/activities' ? await client.listActivities('token') : [await client.getActivity('token', 1)];
      assert.ok(activities.length > 0);
      const owner = ++athleteId;
      await upsertConnectedAthlete(db.pool, { id: owner, firstname: 'Recorded', lastname: answer.file }, ['read']);
      const unsafe = activities.filter((a) => !isSafeId(a.id));
      if (unsafe.length > 0) {
        // Never rounded on the way in: the exact digits arrive, and storing them is refused by name.
        for (const a of unsafe) assert.equal(typeof a.id, 'string', 'an id beyond 2^53 arrives as its exact digits');
        await assert.rejects(upsertActivities(db.pool, owner, activities, new Date()), (error: unknown) => {
          assert.ok(error instanceof UnsafeActivityIdError);
          for (const a of unsafe) assert.ok(error.message.includes(String(a.id)), `names ${String(a.id)}`);
          return true;
        });
        const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from activities where athlete_id = $1::bigint', [owner]);
        assert.equal(rows[0]!.n, 0, 'a refused page changes nothing');
        return;
      }
      // Several recordings share activities (the same run in a list and in a detail): each test stores its own copy.
      await db.pool.query('delete from activities where id = any($1::bigint[])', [activities.map((a) => a.id)]);
      await upsertActivities(db.pool, owner, activities, new Date());
      const { rows } = await db.pool.query<{ id: number; sport_type: string; start_date_local: Date; summary_polyline: string | null; distance: number }>(
        'select id, sport_type, start_date_local, summary_polyline, distance from activities where athlete_id = $1::bigint order by id',
        [owner],
      );
      assert.deepEqual(
        rows.map((r) => r.id).sort((a, b) => a - b),
        activities.map((a) => a.id as number).sort((a, b) => a - b),
      );
      for (const row of rows) {
        const source = activities.find((a) => a.id === row.id)!;
        // Older records lack sport_type: the legacy type stands in.
        assert.equal(row.sport_type, source.sport_type ?? source.type);
        assert.ok(!Number.isNaN(row.start_date_local.getTime()));
        assert.equal(row.distance, source.distance ?? 0);
        const polyline = source.map?.summary_polyline;
        assert.equal(row.summary_polyline, polyline ? polyline : null, 'null, missing and empty polylines all store as none');
      }
    });
  }
});

const EXPECTED_KIND: Record<string, StravaFailureKind> = {
  'strava-ruby-client/client--activity_with_ratelimit_exceeded.json': 'rate_limited',
  'strava-ruby-client/client--authorization_error.json': 'unauthorized',
  'strava-ruby-client/client--not_found_error.json': 'not_found',
  'strava-ruby-client/oauth--token_invalid_client.json': 'application_refused',
  'strava-ruby-client/oauth--token_invalid_code.json': 'refused',
  'public-issues/dreeve-2562-application-inactive.json': 'application_inactive',
  'public-issues/stravalib-60-rate-limit-as-403.json': 'rate_limited',
  'public-issues/slack-strava-38-rate-limit.json': 'rate_limited',
  'public-issues/ha-strava-160-invalid-access-token.json': 'unauthorized',
  'public-issues/community-connectors-291-missing-permission.json': 'unauthorized',
  'public-issues/endurain-43-bad-redirect-uri.json': 'refused',
};

describe('error answers are classified without throwing', () => {
  const failures = recorded.filter((r) => r.status !== null && r.status >= 400);
  test('every recorded failure has an expected classification', () => {
    assert.deepEqual(failures.map((r) => r.file).sort(), Object.keys(EXPECTED_KIND).sort());
  });
  for (const answer of failures) {
    test(`${answer.file} → ${EXPECTED_KIND[answer.file]}`, async () => {
      const expected = EXPECTED_KIND[answer.file]!;
      // Through the real client, as a GET on the recorded path.
      const error = await clientAnswering(answer)
        .getAthlete('token')
        .then(
          () => assert.fail('a recorded failure must not succeed'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof StravaError);
      assert.equal(error.kind, expected);
      assert.equal(error.transient, expected === 'rate_limited' || expected === 'application_inactive');
      if (error instanceof StravaRequestError) {
        assert.equal(typeof error.invalidRefreshToken, 'boolean');
        assert.equal(error.invalidCode, answer.file.includes('invalid_code'));
      }
    });
  }
});

test('bodies Strava and the way to it have sent are read without throwing', () => {
  const bodies = [
    '',
    'null',
    '[]',
    '"text"',
    '<html><body><h1>502 Bad Gateway</h1></body></html>',
    '{"errors":"Rate Limit Exceeded"}',
    '{"errors":[null,1,"x",{"resource":5}]}',
    '{"message":{"nested":true}}',
  ];
  for (const body of bodies) {
    for (const status of [400, 401, 403, 404, 429, 502]) {
      const error = toStravaError(status, parseFault(body));
      assert.ok(error instanceof StravaError, `${status} ${body}`);
    }
  }
  assert.equal(toStravaError(502, parseFault(bodies[4]!)).kind, 'unavailable');
  assert.equal(toStravaError(403, parseFault('{"errors":"Rate Limit Exceeded"}')).kind, 'rate_limited');
  assert.equal(toStravaError(404, parseFault('')).kind, 'not_found');
});

describe('recorded webhook events pass validation', () => {
  for (const answer of recorded.filter((r) => r.request.path === '/webhook')) {
    test(answer.file, () => {
      const event = parseWebhookEvent(JSON.parse(answer.body));
      assert.ok(Number.isSafeInteger(event.object_id) && Number.isSafeInteger(event.owner_id));
      if (event.object_type === 'athlete') assert.equal(event.updates.authorized, 'false');
    });
  }
});
