// Benchmark: writing the demo athlete's recordings as FIT files, what the sandbox's "Download your archive" spends most
// of its time on: the export's own writer against the FIT SDK's Encoder (the baseline), same activities, same run.
import { performance } from 'node:perf_hooks';
import { fitFile, fitFileBySdkEncoder, type ExportActivity } from '../dev/archive/strava-export.js';
import { exportActivity } from '../dev/sandbox/archive-export.js';
import { DEFAULT_SEED, demoAthlete, generateHistory } from '../dev/sandbox/seed.js';

const activities = generateHistory(demoAthlete(new Date().toISOString()), DEFAULT_SEED)
  .map(exportActivity)
  .filter((a) => a.streams && a.streams.time.length > 1);
const records = activities.reduce((sum, a) => sum + a.streams!.time.length, 0);

function time(write: (a: ExportActivity) => Uint8Array): { ms: number; bytes: number } {
  const started = performance.now();
  let bytes = 0;
  for (const a of activities) bytes += write(a).length;
  return { ms: performance.now() - started, bytes };
}

const sdk = time(fitFileBySdkEncoder);
const ours = time(fitFile);
console.log(`${activities.length} recordings, ${records} records`);
console.log(`FIT SDK Encoder (baseline): ${(sdk.ms / 1000).toFixed(2)} s, ${sdk.bytes} bytes`);
console.log(`export's FIT writer: ${(ours.ms / 1000).toFixed(2)} s, ${ours.bytes} bytes`);
console.log(`ratio to baseline: ${(ours.ms / sdk.ms).toFixed(3)} (${(sdk.ms / ours.ms).toFixed(1)}× faster)`);
