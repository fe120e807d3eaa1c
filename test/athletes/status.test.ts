// The athletes capability against PostgreSQL: connecting, every status change (disconnected, banned, unbanned), the
// sessions' epoch, the count Strava's athlete limit sees, and deletion with everything of the athlete's.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as athletes from '../../shared/athletes/index.js';
import { UnsafeIdError } from '../../shared/strava/index.js';
import { createTokenCipher, saveTokens } from '../../shared/tokens/index.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
});
after(() => db?.close());

const SCOPES = ['read', 'activity:read_all'];
const cipher = createTokenCipher(randomBytes(32).toString('base64'));
let nextId = 3_000_001;
const connect = (id = nextId++, fields: { firstname?: string } = {}) =>
  athletes.upsertConnectedAthlete(db.pool, { id, firstname: 'Ada', lastname: 'Test', ...fields }, SCOPES);
const status = async (id: number) => {
  const athlete = await athletes.getAthlete(db.pool, id);
  return athlete && { status: athlete.status, reason: athlete.statusReason };
};

test('connecting creates a connected athlete; connecting again updates the same row, ends earlier sessions, and keeps a ban', async () => {
  const first = await connect(undefined, { firstname: 'Ada' });
  assert.equal(first.status, 'connected');
  assert.deepEqual(first.scopes, SCOPES);
  const again = await connect(first.id, { firstname: 'Adele' });
  assert.equal(again.id, first.id);
  assert.equal(again.firstname, 'Adele');
  assert.notEqual(again.sessionEpoch, first.sessionEpoch, 'a cookie issued before the new sign-in stops working');
  assert.equal((await db.pool.query('select count(*)::int as n from athletes where id = $1::bigint', [first.id])).rows[0].n, 1);

  assert.equal(await athletes.markBanned(db.pool, first.id, 'spam'), true);
  const reconnected = await connect(first.id);
  assert.deepEqual({ status: reconnected.status, reason: reconnected.statusReason }, { status: 'banned', reason: 'spam' });
});

test('an id that is not a safe whole number is refused before anything is written', async () => {
  const before = (await db.pool.query('select count(*)::int as n from athletes')).rows[0].n;
  for (const id of [2 ** 53, -1, 0, 1.5]) await assert.rejects(connect(id), UnsafeIdError, String(id));
  assert.equal((await db.pool.query('select count(*)::int as n from athletes')).rows[0].n, before);
});

test('disconnected only from connected; a ban ends the sessions once; an unban reconnects with tokens, or leaves the athlete to sign in', async () => {
  const withTokens = (await connect()).id;
  await saveTokens(db.pool, cipher, withTokens, { accessToken: 'a', refreshToken: 'r', expiresAt: new Date(Date.now() + 3600_000) });
  const withoutTokens = (await connect()).id;

  await athletes.markDisconnected(db.pool, withoutTokens, 'refresh_token_rejected');
  assert.deepEqual(await status(withoutTokens), { status: 'disconnected', reason: 'refresh_token_rejected' });

  const epoch = (await athletes.getAthlete(db.pool, withTokens))!.sessionEpoch;
  assert.equal(await athletes.markBanned(db.pool, withTokens, null), true);
  assert.notEqual((await athletes.getAthlete(db.pool, withTokens))!.sessionEpoch, epoch, 'the banned athlete is signed out everywhere');
  assert.equal(await athletes.markBanned(db.pool, withTokens, 'again'), false, 'banning twice changes nothing');
  await athletes.markDisconnected(db.pool, withTokens, 'refresh_token_rejected');
  assert.equal((await status(withTokens))?.status, 'banned', 'a banned athlete stays banned when Strava refuses the token');

  assert.equal(await athletes.markBanned(db.pool, withoutTokens, null), true);
  assert.equal(await athletes.markUnbanned(db.pool, withTokens), true);
  assert.equal(await athletes.markUnbanned(db.pool, withoutTokens), true);
  assert.deepEqual(await status(withTokens), { status: 'connected', reason: null });
  assert.deepEqual(await status(withoutTokens), { status: 'disconnected', reason: null });
  assert.equal(await athletes.markUnbanned(db.pool, withTokens), false, 'only a banned athlete is unbanned');

  const before = (await athletes.getAthlete(db.pool, withTokens))!.sessionEpoch;
  await athletes.revokeSessions(db.pool, withTokens);
  assert.notEqual((await athletes.getAthlete(db.pool, withTokens))!.sessionEpoch, before);
});

test("Strava's athlete limit counts connected and banned athletes (their grant stays), not disconnected ones", async () => {
  const start = await athletes.countAuthorizedAthletes(db.pool);
  const connected = (await connect()).id;
  const banned = (await connect()).id;
  const disconnected = (await connect()).id;
  await athletes.markBanned(db.pool, banned, null);
  await athletes.markDisconnected(db.pool, disconnected, 'refresh_token_rejected');
  assert.equal(await athletes.countAuthorizedAthletes(db.pool), start + 2);
  await athletes.deleteAthlete(db.pool, connected);
  assert.equal(await athletes.countAuthorizedAthletes(db.pool), start + 1);
});

test('a deauthorization deletes the athlete only if it came after their last sign-in; deleting takes their tokens with them', async () => {
  const athlete = await connect();
  await saveTokens(db.pool, cipher, athlete.id, { accessToken: 'a', refreshToken: 'r', expiresAt: new Date(Date.now() + 3600_000) });
  const connectedAt = Math.floor(athlete.connectedAt.getTime() / 1000);
  // An event from before the sign-in (whole seconds, as Strava sends them) belongs to an earlier grant.
  assert.equal(await athletes.connectedSince(db.pool, athlete.id, connectedAt - 5), true);
  assert.equal(await athletes.deleteAthleteConnectedBefore(db.pool, athlete.id, connectedAt - 5), false);
  assert.ok(await athletes.getAthlete(db.pool, athlete.id));
  // From the same second on, it is about this grant.
  assert.equal(await athletes.connectedSince(db.pool, athlete.id, connectedAt), false);
  assert.equal(await athletes.deleteAthleteConnectedBefore(db.pool, athlete.id, connectedAt), true);
  assert.equal(await athletes.getAthlete(db.pool, athlete.id), undefined);
  assert.equal((await db.pool.query('select count(*)::int as n from tokens where athlete_id = $1::bigint', [athlete.id])).rows[0].n, 0);
  assert.equal(await athletes.connectedSince(db.pool, athlete.id, connectedAt), undefined, 'an unknown athlete');
  assert.equal(await athletes.deleteAthlete(db.pool, athlete.id), false, 'nothing left to delete');
});
