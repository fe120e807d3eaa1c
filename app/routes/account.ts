// The athlete's account: confirm and carry out "Disconnect and delete my data".
import { Hono } from 'hono';
import { deleteAthleteUploads } from '../../shared/archive/index.js';
import { disconnectAndDelete } from '../../shared/connection/index.js';
import type { AppEnv } from '../env.js';
import { endSession, requireAthlete, requireCsrf } from '../session.js';
import { textsOf } from '../locale.js';
import { page } from '../views.js';

export const accountRoutes = new Hono<AppEnv>()
  .get('/account/delete', requireAthlete, (c) => page(c, 'delete-confirm', { title: textsOf(c).deleteConfirmTitle, csrfToken: c.get('csrfToken') }))
  .post('/account/delete', requireAthlete, requireCsrf, async (c) => {
    const deps = c.get('deps');
    // The uploads' objects first: their rows, which name them, go with the athlete's.
    if (deps.archiveStore) await deleteAthleteUploads({ pool: deps.pool, store: deps.archiveStore, log: c.get('log') }, c.get('athlete').id);
    const result = await disconnectAndDelete(deps, c.get('athlete').id);
    endSession(c);
    return page(c, 'deleted', { title: textsOf(c).deletedTitle, athlete: undefined, revokedAtStrava: result.revokedAtStrava });
  });
