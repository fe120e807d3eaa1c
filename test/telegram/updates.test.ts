// Updates are kept once by update_id, and handled ones are forgotten once Telegram can no longer send them again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claimUpdate, markUpdateDone, markUpdateFailed, type TelegramUpdate } from '../../shared/telegram/index.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db?.close();
});

const update = (id: number): TelegramUpdate => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 42, type: 'private' }, text: '/help' } });

test('an update is claimed once; handled ones older than two days are forgotten every hundredth update, failed ones kept', async () => {
  for (const id of [1, 2, 3]) assert.equal(await claimUpdate(db.pool, update(id)), true);
  assert.equal(await claimUpdate(db.pool, update(1)), false, 'the same update_id is not handled twice');
  await markUpdateDone(db.pool, 1);
  await markUpdateDone(db.pool, 2);
  await markUpdateFailed(db.pool, 3, 'Telegram answered 502');
  // Two of them were handled three days ago; 2 stays recent.
  await db.pool.query(`update telegram_updates set handled_at = now() - interval '3 days' where update_id in (1, 3)`);

  assert.equal(await claimUpdate(db.pool, update(99)), true);
  await markUpdateDone(db.pool, 99);
  const ids = async () =>
    (await db.pool.query<{ update_id: string }>('select update_id from telegram_updates order by update_id')).rows.map((r) => Number(r.update_id));
  assert.deepEqual(await ids(), [1, 2, 3, 99], 'nothing forgotten before the hundredth update');

  assert.equal(await claimUpdate(db.pool, update(100)), true);
  await markUpdateDone(db.pool, 100);
  assert.deepEqual(await ids(), [2, 3, 99, 100], 'the old handled update is forgotten; the failed one stays for the count');
});
