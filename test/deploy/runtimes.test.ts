// Fails while there is still time to act: every runtime in app.yaml and Terraform must be in terraform/runtimes.json and at least 90 days from its deprecation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { block, instancesOfType, loadAppYaml, loadTerraform, ROOT, str } from './infra.js';

interface RuntimeDates {
  deprecation: string;
  decommission: string | null;
  source: string;
  confirmed: boolean;
}

interface RuntimeTable {
  warnDays: number;
  platforms: Record<string, { schedule: string; runtimes: Record<string, RuntimeDates> }>;
}

const TABLE_FILE = join(ROOT, 'terraform', 'runtimes.json');
const table = JSON.parse(readFileSync(TABLE_FILE, 'utf8')) as RuntimeTable;
const DAY = 86_400_000;

/** Why a runtime may not be used on `today`, or undefined when it may. */
export function runtimeProblem(table: RuntimeTable, platform: string, runtime: string, today: Date): string | undefined {
  const dates = table.platforms[platform]?.runtimes[runtime];
  if (!dates) return `${runtime} is not in terraform/runtimes.json for ${platform}: add its dates from Google's support schedule`;
  const deprecation = Date.parse(`${dates.deprecation}T00:00:00Z`);
  const days = Math.floor((deprecation - today.getTime()) / DAY);
  if (days < 0) return `${runtime} on ${platform} is past its deprecation date ${dates.deprecation}: move to a supported runtime`;
  if (days < table.warnDays)
    return `${runtime} on ${platform} reaches its deprecation date ${dates.deprecation} in ${days} days: move to a newer runtime now, while deploys still work`;
  return undefined;
}

// What the deployment names, read from the files themselves.
const files = await loadTerraform();
const inUse: { platform: string; runtime: string; where: string }[] = [
  { platform: 'app-engine-standard', runtime: String(loadAppYaml().runtime), where: 'app.yaml' },
  ...instancesOfType(files, 'google_cloudfunctions2_function').map((fn) => ({
    platform: 'cloud-run-functions',
    runtime: str(block(fn.body, 'build_config')?.runtime) ?? '(not a literal)',
    where: `${fn.file}: ${fn.type}.${fn.name}`,
  })),
];

describe('runtimes are supported on the day the tests run', () => {
  it('the table covers nodejs20, nodejs22 and nodejs24 on both platforms, each date with its source', () => {
    for (const platform of ['app-engine-standard', 'cloud-run-functions']) {
      const entry = table.platforms[platform];
      assert.ok(entry, platform);
      assert.match(entry.schedule, /^https:\/\/cloud\.google\.com\//);
      for (const runtime of ['nodejs20', 'nodejs22', 'nodejs24']) {
        const dates: RuntimeDates | undefined = entry.runtimes[runtime];
        assert.ok(dates, `${platform} ${runtime}`);
        assert.match(dates.deprecation, /^\d{4}-\d{2}-\d{2}$/, `${platform} ${runtime} deprecation`);
        assert.ok(!Number.isNaN(Date.parse(dates.deprecation)), `${platform} ${runtime} deprecation is a date`);
        if (dates.decommission !== null)
          assert.ok(Date.parse(dates.decommission) > Date.parse(dates.deprecation), `${platform} ${runtime}: decommission after deprecation`);
        assert.ok(dates.source.length > 20, `${platform} ${runtime}: say where the date comes from`);
        assert.equal(typeof dates.confirmed, 'boolean');
      }
    }
    assert.equal(table.warnDays, 90);
  });

  it('the dates Google publishes for Cloud Run functions are the ones recorded', () => {
    const functions = table.platforms['cloud-run-functions']!.runtimes;
    assert.equal(functions.nodejs20!.decommission, '2026-10-30');
    assert.equal(functions.nodejs22!.deprecation, '2027-04-30');
    assert.equal(functions.nodejs24!.deprecation, '2028-04-30');
  });

  it('finds the runtime of app.yaml and of every function the code registers', () => {
    // Counted from functions/index.ts, so a new function (deliverActivities was the fifth) cannot go unchecked.
    const registered = [...readFileSync(join(ROOT, 'functions', 'index.ts'), 'utf8').matchAll(/functions\.(?:http|cloudEvent)\(/g)].length;
    assert.equal(registered, 5);
    assert.equal(inUse.length, 1 + registered);
  });

  for (const use of inUse) {
    it(`${use.where}: ${use.runtime} is supported for at least ${table.warnDays} more days`, () => {
      assert.equal(runtimeProblem(table, use.platform, use.runtime, new Date()), undefined);
    });
  }

  describe('the check itself', () => {
    const at = (day: string) => new Date(`${day}T12:00:00Z`);

    it('refuses a runtime missing from the table', () => {
      assert.match(runtimeProblem(table, 'cloud-run-functions', 'nodejs99', at('2026-01-01')) ?? '', /not in terraform\/runtimes\.json/);
      assert.match(runtimeProblem(table, 'elsewhere', 'nodejs24', at('2026-01-01')) ?? '', /not in terraform\/runtimes\.json/);
    });

    it('refuses a runtime past its deprecation date', () => {
      assert.match(runtimeProblem(table, 'cloud-run-functions', 'nodejs20', at('2026-11-01')) ?? '', /past its deprecation date 2026-04-30/);
    });

    it('refuses a runtime within 90 days of its deprecation date, accepts it 90 days before', () => {
      assert.match(runtimeProblem(table, 'cloud-run-functions', 'nodejs24', at('2028-02-01')) ?? '', /in 88 days/);
      assert.match(runtimeProblem(table, 'cloud-run-functions', 'nodejs24', at('2028-04-29')) ?? '', /in 0 days/);
      assert.equal(runtimeProblem(table, 'cloud-run-functions', 'nodejs24', at('2028-01-30')), undefined);
      assert.equal(runtimeProblem(table, 'app-engine-standard', 'nodejs24', at('2026-12-01')), undefined);
    });
  });
});
