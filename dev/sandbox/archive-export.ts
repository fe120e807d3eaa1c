// The sandbox's "Download your archive": an athlete's seeded activities as Strava's bulk export, streamed as a ZIP.
import { Hono } from 'hono';
import { writeStravaExport, type ExportActivity } from '../archive/strava-export.js';
import type { SandboxContext, SandboxEnv } from './context.js';
import { SandboxError, faults } from './errors.js';
import type { ActivityRecord } from './model.js';
import { utcOffsetSeconds } from './time.js';
import { streamsOf } from './track.js';

export function exportActivity(record: ActivityRecord): ExportActivity {
  const streams = streamsOf(record);
  return {
    id: record.id,
    name: record.name,
    sportType: record.sportType,
    startDate: record.startDate,
    utcOffsetS: utcOffsetSeconds(record.tzName, record.startDate),
    elapsedTime: record.elapsedTime,
    movingTime: record.movingTime,
    distance: record.distance,
    elevationGain: record.totalElevationGain,
    maxHeartrate: record.maxHeartrate,
    commute: record.commute,
    streams: streams ? { ...streams, latlng: streams.latlng as [number, number][] | undefined } : null,
  };
}

export function archiveExportRoutes(ctx: SandboxContext): Hono<SandboxEnv> {
  return new Hono<SandboxEnv>().get('/athletes/:id/export.zip', (c) => {
    const id = Number(c.req.param('id'));
    const athlete = Number.isSafeInteger(id) ? ctx.store.athletes.get(id) : undefined;
    if (!athlete) throw new SandboxError(404, faults.notFound('Athlete'));
    // ?oldest=N: only the athlete's N oldest activities, a short archive for a quick try (the API's first import
    // brings the newest, so these are new to the site). Without it, the whole history, as Strava exports it.
    const oldest = c.req.query('oldest');
    if (oldest !== undefined && !/^[1-9]\d{0,5}$/.test(oldest)) throw new SandboxError(400, faults.badRequest('Export', 'oldest', 'invalid'));
    const history = ctx.store.activitiesOf(id);
    const records = oldest === undefined ? history : history.slice(-Number(oldest));
    // Streamed: each activity's file is written as it is made, so a long history never sits in memory at once.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          await writeStravaExport(
            (function* () {
              for (const record of records) yield exportActivity(record);
            })(),
            (chunk) => controller.enqueue(new Uint8Array(chunk)),
          );
          controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
    });
    c.header('content-type', 'application/zip');
    c.header('content-disposition', `attachment; filename="export_${id}.zip"`);
    return c.body(body);
  });
}
