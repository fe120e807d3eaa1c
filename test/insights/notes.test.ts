// The AI notes through the results page: off until the athlete opts in, written in the background against a stand-in of
// the OpenAI API, cached, in the athlete's language and units, and a failing service never breaks the page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOpenAIStub, type OpenAIStub } from '../../dev/openai-stub/server.js';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { upsertActivities } from '../../shared/activities/store.js';
import { settleInsights } from '../../shared/insights/service.js';
import type { CookieClient } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { pageRequests } from '../helpers/pages.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let ai: OpenAIStub;
let client: CookieClient;
const { get, post, csrf } = pageRequests(() => ({ baseUrl: stack.baseUrl, client }));

before(async () => {
  ai = await startOpenAIStub();
  stack = await startTestStack({ env: { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.baseUrl } });
  client = stack.client();
  await signIn(client, stack.baseUrl);
});
after(async () => {
  await settleInsights();
  await stack?.close();
  await ai?.close();
});

describe('AI notes', () => {
  test('off until the athlete opts in; then written in the background, cached, and only aggregates are sent', async () => {
    const off = await get('/results');
    assert.match(off.text, /notes on your training are off/);
    assert.equal(ai.requests.length, 0);
    const settings = await get('/settings');
    assert.match(settings.text, /Never your routes, positions, names or streams/);

    await post('/settings/ai', { csrf: hiddenValue(settings.text, 'csrf'), ai_notes: 'on' });
    const first = await get('/results');
    assert.equal(first.status, 200, 'the page never waits for the notes');
    await settleInsights();
    const notes = await get('/results/notes');
    assert.match(notes.text, /is about the distance from/);
    assert.match(notes.text, /Volume is (up|down|steady)/);
    const sent = ai.requests.length;
    assert.equal(sent, 2);
    for (const request of ai.requests) {
      const messages = request.body.messages as { role: string; content: string }[];
      const input = JSON.parse(messages.find((m) => m.role === 'user')!.content) as Record<string, unknown>;
      assert.doesNotMatch(JSON.stringify(input), /latlng|polyline|lat|lng|Secret|name|Berlin|Demo/i);
      assert.deepEqual(
        Object.keys(input).sort(),
        input.sport_type
          ? ['distance', 'distance_text', 'distance_unit', 'language', 'sport_type', 'units']
          : ['four_weeks_before', 'four_weeks_before_time_text', 'language', 'last_four_weeks', 'last_four_weeks_time_text', 'units'],
      );
      const format = request.body.response_format as { type: string; json_schema: { strict: boolean } };
      assert.equal(format.type, 'json_schema');
      assert.equal(format.json_schema.strict, true);
    }
    const again = await get('/results');
    await settleInsights();
    assert.match(again.text, /is about the distance from/);
    assert.equal(ai.requests.length, sent, 'a reload never pays twice');
  });

  test("the notes speak the athlete's language and units: miles and a decimal comma in Russian, never kilometres", async () => {
    const token = await csrf();
    await post('/settings/units', { csrf: token, units: 'imperial', back: '/results' });
    try {
      const before = ai.requests.length;
      const ru = (path: string) => client.request(stack.baseUrl + path, { headers: { 'accept-language': 'ru' } });
      assert.equal((await ru('/results?lang=ru')).status, 200);
      await settleInsights();
      const notes = (await ru('/results/notes')).text;
      const sent = ai.requests.slice(before).map((request) => {
        const messages = request.body.messages as { role: string; content: string }[];
        return JSON.parse(messages.find((m) => m.role === 'user')!.content) as Record<string, unknown>;
      });
      assert.equal(sent.length, 2, 'another language and other units are new notes, not the cached English ones');
      const funFact = sent.find((input) => input.sport_type)!;
      assert.equal(funFact.language, 'ru');
      assert.equal(funFact.units, 'imperial');
      assert.equal(funFact.distance_unit, 'ми');
      assert.match(String(funFact.distance_text), /^\d[\d\u00a0]*,\d ми$/);
      const coach = sent.find((input) => !input.sport_type)!;
      for (const total of [...(coach.last_four_weeks as Record<string, string>[]), ...(coach.four_weeks_before as Record<string, string>[])]) {
        assert.match(total.distance_text!, / ми$/);
        assert.match(total.elevation_text!, / фт$/);
      }
      // What the page shows: the figures as the rest of the page writes them.
      const text = notes.replace(/<[^>]+>/g, ' ');
      assert.match(text, /\d,\d ми — это примерно как от/);
      assert.match(text, /Объём (вырос|снизился|стабилен): \d+ч \d\dмин против \d+ч \d\dмин/);
      assert.doesNotMatch(text, /\d\.\d|км|\bkm\b|\bmi\b/);
    } finally {
      await post('/settings/units', { csrf: token, units: 'metric', back: '/results' });
      await get('/results?lang=en');
    }
  });

  test('a failing AI service shows "No note right now", never an error page', async () => {
    await upsertActivities(
      stack.db.pool,
      DEMO_ATHLETE_ID,
      [
        {
          id: 88_000_000_001,
          athlete: { id: DEMO_ATHLETE_ID },
          name: 'Fresh ride',
          sport_type: 'Ride',
          start_date: new Date(Date.now() - 3600_000).toISOString(),
          start_date_local: new Date(Date.now() - 3600_000).toISOString(),
          distance: 33_300,
          moving_time: 4000,
        },
      ],
      new Date(),
    );
    ai.failNext(10, 500);
    const page = await get('/results');
    assert.equal(page.status, 200);
    await settleInsights();
    const notes = await get('/results/notes');
    assert.equal(notes.status, 200);
    assert.match(notes.text, /No note right now/);
    ai.failNext(0, 500);
  });
});
