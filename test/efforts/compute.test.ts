// Best efforts from hand-built streams with known answers (steady pace, pauses, GPS jumps and gaps, positions only), from Strava's detail, and against a slow obvious search on random streams.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Streams } from '../../shared/activities/streams.js';
import { effortsFromDetail, effortsFromStreams, MAX_SPEED, type Effort } from '../../shared/efforts/index.js';
import { distancesFor } from '../../shared/efforts/distances.js';

const asMap = (efforts: Effort[]) => Object.fromEntries(efforts.map((e) => [e.effort, e.elapsedTime]));

/** Samples every `step` seconds while moving at `speed` m/s for `seconds`, continuing from the last sample. */
function extend(s: { time: number[]; distance: number[] }, speed: number, seconds: number, step = 1): void {
  const t0 = s.time.at(-1) ?? 0;
  const d0 = s.distance.at(-1) ?? 0;
  if (s.time.length === 0) {
    s.time.push(0);
    s.distance.push(0);
  }
  for (let t = step; t <= seconds; t += step) {
    s.time.push(t0 + t);
    s.distance.push(d0 + speed * t);
  }
}

describe('from streams', () => {
  test('a steady 4 m/s run: every distance it covers at exactly 1/4 s per metre', () => {
    const s = { time: [] as number[], distance: [] as number[] };
    extend(s, 4, 3000); // 12 km
    assert.deepEqual(asMap(effortsFromStreams(s, 'run')), { run_400m: 100, run_1k: 250, run_1mi: 402, run_5k: 1250, run_10k: 2500 });
    // Sampled every 7 s instead: the start is placed between samples, so the answers stay the same.
    const coarse = { time: [] as number[], distance: [] as number[] };
    extend(coarse, 4, 3003, 7);
    assert.deepEqual(asMap(effortsFromStreams(coarse, 'run')), { run_400m: 100, run_1k: 250, run_1mi: 402, run_5k: 1250, run_10k: 2500 });
  });

  test('a pause counts as elapsed time: the best kilometre avoids it, the mile cannot', () => {
    // 1 km at 5 m/s (200 s), standing still for 300 s (time passes, distance does not), 1 km at 2.5 m/s (400 s).
    const s = { time: [] as number[], distance: [] as number[] };
    extend(s, 5, 200);
    extend(s, 0, 300, 10);
    extend(s, 2.5, 400);
    // Best mile: all of the fast kilometre, the pause, then 609.344 m at 2.5 m/s = 200 + 300 + 243.7 s.
    assert.deepEqual(asMap(effortsFromStreams(s, 'run')), { run_400m: 80, run_1k: 200, run_1mi: 744 });
  });

  test('a GPS jump faster than anyone runs splits the track; a gap at a plausible speed is bridged', () => {
    // 1,500 m at 3 m/s, then the fix jumps 800 m in one second, then 1,500 m more at 3 m/s.
    const jump = { time: [] as number[], distance: [] as number[] };
    extend(jump, 3, 500);
    jump.time.push(501);
    jump.distance.push(1500 + 800);
    extend(jump, 3, 500);
    assert.ok(800 > MAX_SPEED.run);
    assert.deepEqual(asMap(effortsFromStreams(jump, 'run')), { run_400m: 133, run_1k: 333 }, 'no 1 km "in 100 s" across the jump, no mile across it');

    // The signal lost for 60 s while running on at 3 m/s: one sample 180 m further on. That is a real stretch of the run.
    const gap = { time: [] as number[], distance: [] as number[] };
    extend(gap, 3, 500);
    extend(gap, 3, 60, 60);
    extend(gap, 3, 500);
    assert.deepEqual(asMap(effortsFromStreams(gap, 'run')), { run_400m: 133, run_1k: 333, run_1mi: 536 });
    // On a bike 30 m/s is still possible: a 25 m/s descent is a descent, not a jump.
    const ride = { time: [] as number[], distance: [] as number[] };
    extend(ride, 25, 400);
    extend(ride, 10, 3000);
    assert.deepEqual(asMap(effortsFromStreams(ride, 'ride')), { ride_10k: 400, ride_20k: 1400, ride_40k: 3400 });
  });

  test('positions only (no distance stream): distance along the great circle', () => {
    // Along the equator, 0.0001° apart (11.1195 m on a 6,371,008.8 m sphere), one point a second.
    const latlng: [number, number][] = Array.from({ length: 200 }, (_, i) => [0, i * 0.0001]);
    const time = latlng.map((_, i) => i);
    const step = (2 * Math.PI * 6_371_008.8 * 0.0001) / 360;
    // 199 steps cover 2,213 m: up to the mile, at 11.1195 m a second.
    assert.deepEqual(asMap(effortsFromStreams({ time, latlng }, 'run')), { run_400m: 36, run_1k: 90, run_1mi: 145 });
    assert.equal(Math.round(1000 / step), 90);
  });

  test('nothing to measure: no time, too short, backwards, empty', () => {
    assert.deepEqual(effortsFromStreams({}, 'run'), []);
    assert.deepEqual(effortsFromStreams({ time: [0, 1], distance: [0, 3] }, 'run'), []);
    assert.deepEqual(effortsFromStreams({ time: [0, 100, 50], distance: [0, 400, 800] }, 'run'), [{ effort: 'run_400m', elapsedTime: 100 }]);
    assert.deepEqual(effortsFromStreams({ time: [0, 1, 2], distance: [0, 10] }, 'ride'), [], 'streams of different lengths');
  });
});

/** The slow obvious search: every pair of samples in one piece of track, the start interpolated to the exact distance. */
function slowBest(time: number[], dist: number[], meters: number, maxSpeed: number): number | undefined {
  let best = Infinity;
  for (let j = 1; j < time.length; j++) {
    for (let i = j - 1; i >= 0; i--) {
      const step = dist[i + 1]! - dist[i]!;
      const dt = time[i + 1]! - time[i]!;
      if (dt < 0 || step < 0 || step > maxSpeed * Math.max(dt, 1)) break; // a break between i and i + 1
      if (dist[j]! - dist[i]! >= meters) {
        const start = step > 0 ? time[i]! + (dt * (dist[j]! - meters - dist[i]!)) / step : time[i]!;
        best = Math.min(best, time[j]! - start);
        break;
      }
    }
  }
  return Number.isFinite(best) ? Math.max(1, Math.round(best)) : undefined;
}

test('random streams with pauses and jumps agree with the slow obvious search', () => {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let n = 0; n < 60; n++) {
    const sport = n % 2 === 0 ? 'run' : 'ride';
    const time = [0];
    const distance = [0];
    const samples = 300 + Math.floor(rnd() * 900);
    for (let i = 1; i < samples; i++) {
      const dt = rnd() < 0.03 ? 5 + Math.floor(rnd() * 120) : 1 + Math.floor(rnd() * 3);
      const roll = rnd();
      const speed = roll < 0.05 ? 0 : roll < 0.07 ? 200 : sport === 'run' ? 2 + rnd() * 4 : 5 + rnd() * 12;
      time.push(time.at(-1)! + dt);
      distance.push(distance.at(-1)! + speed * dt);
    }
    const streams: Streams = { time, distance };
    const fast = asMap(effortsFromStreams(streams, sport));
    for (const d of distancesFor(sport)) {
      assert.equal(fast[d.key], slowBest(time, distance, d.meters, MAX_SPEED[sport]), `stream ${n} ${d.key}`);
    }
  }
});

describe('from Strava\u2019s detail', () => {
  test('the standard distances by name (or distance); the others and broken entries are left out', () => {
    const detail = {
      best_efforts: [
        { name: '400m', distance: 400, elapsed_time: 88 },
        { name: '1/2 mile', distance: 805, elapsed_time: 190 },
        { name: '1k', distance: 1000, elapsed_time: 231 },
        { name: '1 mile', distance: 1609, elapsed_time: 380 },
        { name: '2 mile', distance: 3219, elapsed_time: 790 },
        { name: '5K', distance: 5000, elapsed_time: 1250 },
        { name: 'Half-Marathon', distance: 21097, elapsed_time: 5900 },
        { name: 'something new', distance: 10000, elapsed_time: 2600 },
        { name: '10k', distance: 10000, elapsed_time: 0 },
        null,
      ],
    };
    assert.deepEqual(asMap(effortsFromDetail(detail)!), { run_400m: 88, run_1k: 231, run_1mi: 380, run_5k: 1250, run_half: 5900, run_10k: 2600 });
    assert.equal(effortsFromDetail({ name: 'a summary' }), undefined, 'a summary has no best_efforts: nothing said');
    assert.deepEqual(effortsFromDetail({ best_efforts: [] }), [], 'a detail with none: Strava found none');
  });
});
