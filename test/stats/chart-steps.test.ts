// The charts' axis steps with known answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { niceStep } from '../../shared/stats/chart.js';

test('chart steps are 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(9, 4), 5);
  assert.equal(niceStep(17, 4), 5);
  assert.equal(niceStep(0.7, 3), 0.5);
  assert.equal(niceStep(1200, 4), 500);
  assert.equal(niceStep(0), 1);
});
