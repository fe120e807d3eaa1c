// Settings → Import your Strava archive: the page, opening an upload, the laptop's upload endpoint, and the progress the page polls.
import { Hono, type Context } from 'hono';
import { describeArchiveReason, startUpload, uploadProgress, UploadRequestError, getUpload, type UploadProgress } from '../../shared/archive/index.js';
import { LocalObjectStore } from '../../shared/platform/local-object-store.js';
import { AppError } from '../errors.js';
import type { AppEnv } from '../env.js';
import { pageLocals, textsOf as viewerTexts } from '../locale.js';
import { requireAthlete } from '../session.js';
import { page, renderPage } from '../views.js';
import { viewerOf, type Viewer } from '../viewer.js';

/** 8 MiB: a multiple of Cloud Storage's 256 KiB granularity, and far below App Engine's 32 MB request cap on a laptop too. */
export const CHUNK_BYTES = 8 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** For fetch() calls from the page: the CSRF token comes in a header, as JSON bodies carry no form field. */
function requireCsrfHeader(c: Context<AppEnv>): void {
  const sent = c.req.header('x-csrf-token') ?? '';
  if (sent.length === 0 || sent !== c.get('csrfToken')) throw new AppError(403, 'errFormExpired');
}

function progressView(viewer: Viewer, items: UploadProgress[]) {
  const { t, fmt } = viewer;
  return items.map(({ upload, failures }) => {
    let line: string;
    if (upload.status === 'uploading') line = t.archiveWaitingForBytes;
    else if (upload.status === 'queued' || (upload.status === 'importing' && upload.totalFiles === 0)) line = t.archiveQueued;
    else if (upload.status === 'failed') line = t.archiveFailed(describeArchiveReason(t, upload.error ?? ''));
    else if (upload.status === 'done') line = t.archiveDone(fmt.number(upload.imported, 0), fmt.number(upload.merged, 0), fmt.number(upload.duplicates, 0));
    else line = t.archiveProgress(fmt.number(upload.processedFiles, 0), fmt.number(upload.totalFiles, 0), upload.failedFiles);
    return {
      id: upload.id,
      fileName: upload.fileName,
      line,
      running: upload.status === 'uploading' || upload.status === 'queued' || upload.status === 'importing',
      percent: upload.totalFiles > 0 ? Math.round((100 * upload.processedFiles) / upload.totalFiles) : 0,
      showBar: upload.status === 'importing' && upload.totalFiles > 0,
      failures: failures.map((f) => ({ name: f.name, reason: f.reason ? describeArchiveReason(t, f.reason) : t.archiveSkipped })),
      failuresHeading: t.archiveFailuresHeading(upload.failedFiles),
    };
  });
}

export const archiveRoutes = new Hono<AppEnv>()
  .get('/settings/archive', requireAthlete, async (c) => {
    const deps = c.get('deps');
    const viewer = await viewerOf(c);
    const uploads = deps.archiveStore ? progressView(viewer, await uploadProgress(deps.pool, viewer.athlete.id)) : [];
    return page(c, 'archive', {
      title: viewer.t.archiveHeading,
      csrfToken: c.get('csrfToken'),
      available: Boolean(deps.archiveStore),
      uploads,
      chunkBytes: CHUNK_BYTES,
    });
  })

  .get('/settings/archive/progress', requireAthlete, async (c) => {
    const deps = c.get('deps');
    const viewer = await viewerOf(c);
    const uploads = progressView(viewer, await uploadProgress(deps.pool, viewer.athlete.id));
    c.header('cache-control', 'private, no-store');
    return c.html(renderPage('partials/archive-progress', { ...pageLocals(c), title: '', uploads }));
  })

  .post('/settings/archive/uploads', requireAthlete, async (c) => {
    requireCsrfHeader(c);
    const deps = c.get('deps');
    if (!deps.archiveStore) throw new AppError(404, 'errNoPage');
    const body = (await c.req.json().catch(() => null)) as { fileName?: unknown; size?: unknown } | null;
    try {
      const origin = new URL(deps.config.publicBaseUrl).origin;
      const { upload, sessionUrl } = await startUpload({ pool: deps.pool, store: deps.archiveStore, log: c.get('log') }, c.get('athlete').id, {
        fileName: body?.fileName,
        size: body?.size,
        origin,
      });
      return c.json({ uploadId: upload.id, sessionUrl, chunkBytes: CHUNK_BYTES, sameOrigin: sessionUrl.startsWith(origin) });
    } catch (error) {
      if (error instanceof UploadRequestError) {
        const t = viewerTexts(c);
        const message = { 'bad-type': t.archiveBadType, empty: t.archiveEmptyFile, 'too-large': t.archiveTooLarge }[error.code];
        return c.json({ error: message }, 400);
      }
      throw error;
    }
  })

  // The laptop's stand-in for a Cloud Storage resumable session: same Content-Range requests, same 308 answers.
  .put('/settings/archive/uploads/:id/bytes', requireAthlete, async (c) => {
    requireCsrfHeader(c);
    const deps = c.get('deps');
    const store = deps.archiveStore;
    const id = c.req.param('id');
    if (!(store instanceof LocalObjectStore) || !UUID.test(id)) throw new AppError(404, 'errNoPage');
    const upload = await getUpload(deps.pool, id);
    if (!upload || upload.athleteId !== c.get('athlete').id) throw new AppError(404, 'errNoPage');
    const state = await store.uploadState(upload.objectKey);
    if (!state) return c.body(null, upload.status === 'uploading' ? 404 : 200);
    const range = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(c.req.header('content-range') ?? '');
    if (!range || Number(range[3]) !== state.size)
      return c.json({ error: 'Content-Range must be "bytes first-last/size" for the size this upload was opened with' }, 400);
    let received = state.received;
    if (range[1] !== undefined) {
      const first = Number(range[1]);
      const last = Number(range[2]);
      if (last < first || last - first + 1 > CHUNK_BYTES || last >= state.size) return c.json({ error: 'bad Content-Range' }, 400);
      const body = c.req.raw.body;
      if (!body) return c.json({ error: 'no bytes' }, 400);
      if (first !== state.received) {
        // A chunk sent again (its answer was lost) or out of order: read and drop it, then say what is held.
        for await (const _ of body as unknown as AsyncIterable<Uint8Array>) void _;
        if (received > 0) c.header('range', `bytes=0-${received - 1}`);
        return c.body(null, 308);
      }
      const result = await store.receive(upload.objectKey, first, body as unknown as AsyncIterable<Uint8Array>, CHUNK_BYTES);
      if (result.done) return c.json({ name: upload.objectKey, size: String(result.received) }, 200);
      received = result.received;
    }
    // As Cloud Storage: 308 with the bytes it holds (none: no Range header).
    if (received > 0) c.header('range', `bytes=0-${received - 1}`);
    return c.body(null, 308);
  });
