// The share card's drawing: hostile names stay text in the SVG, long titles fit on two lines, and the PNG renders with the shipped fonts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardSvg, renderCardPng, titleLines } from '../../shared/telegram/card.js';

test('a title breaks between words onto two lines at most, long words and the rest cut', () => {
  assert.deepEqual(titleLines('Morning Run'), ['Morning Run']);
  assert.deepEqual(titleLines('Evening ride along the river to the old harbour'), ['Evening ride along the', 'river to the old harb…']);
  assert.deepEqual(titleLines('Ааааааааааааааааааааааааааааа'), ['Аааааааааааааааааааааа', 'ааааааа']);
  for (const line of titleLines('x'.repeat(200))) assert.ok([...line].length <= 22);
});

test('names are text in the SVG, never markup, and the PNG is 1200×630', async () => {
  const card = {
    title: '</text><script>alert(1)</script>',
    subtitle: 'Run & "ride"',
    figures: [{ label: '<b>', value: '10 km' }],
    routePath: 'M0 0 L10 10"/><script/>',
    siteName: 'Training Room',
  };
  const svg = cardSvg(card);
  assert.ok(!svg.includes('<script'), 'no element comes from the data');
  assert.ok(svg.includes('&lt;/text&gt;&lt;script&gt;') && svg.includes('Run &amp; &quot;ride&quot;'));
  const png = Buffer.from(await renderCardPng(card));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1200, 630]);
});
