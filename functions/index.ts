// Cloud Functions entry point: registers each function with the Functions Framework under the name it is deployed as.
import * as functions from '@google-cloud/functions-framework';
import { backfill } from './backfill.js';
import { deliverActivities } from './deliver-activities.js';
import { importArchive } from './import-archive.js';
import { processStravaEvent } from './process-strava-event.js';
import { updateTokens } from './update-tokens.js';

functions.http('update_tokens', updateTokens);
functions.cloudEvent('processStravaEvent', processStravaEvent);
functions.cloudEvent('backfill', backfill);
functions.cloudEvent('importArchive', importArchive);
functions.cloudEvent('deliverActivities', deliverActivities);
