// The athlete's account: confirm and carry out "Disconnect and delete my data".
import { Hono } from 'hono';
import { deleteObjectsNoLongerNeeded } from '../../shared/archive/index.js';
import { disconnectAndDelete } from '../../shared/connection/index.js';
import type { AppEnv } from '../env.js';
import { endSession, requireAthlete, requireCsrf } from '../session.js';
import { textsOf } from '../locale.js';
import { page } from '../views.js';

export const accountRoutes = new Hono<AppEnv>()
  .get('/account/delete', requireAthlete, (c) => page(c, 'delete-confirm', { title: textsOf(c).deleteConfirmTitle, csrfToken: c.get('csrfToken') }))
  .post('/account/delete', requireAthlete, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const result = await disconnectAndDelete(deps, c.get('athlete').id);
    // Deleting the rows queued the uploads' objects for deletion; the app may delete them, so it does so at once. If the
    // store fails now, they stay queued and update_tokens hands them to the import (whichever runs first, none is lost).
    const store = deps.archiveStore;
    if (store) {
      await deleteObjectsNoLongerNeeded({ pool: deps.pool, store, log: c.get('log') }).catch((error: unknown) =>
        c.get('log').warn('Deleting uploads failed; the next update_tokens run has them deleted', { error }),
      );
    }
    endSession(c);
    return page(c, 'deleted', { title: textsOf(c).deletedTitle, athlete: undefined, revokedAtStrava: result.revokedAtStrava });
  });
