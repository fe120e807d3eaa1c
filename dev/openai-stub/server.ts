// A local stand-in for OpenAI's chat completions with structured output: deterministic notes, no network, failure switches.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface OpenAIStub {
  /** What OPENAI_BASE_URL should be: "http://127.0.0.1:PORT/v1". */
  baseUrl: string;
  apiKey: string;
  /** Every request body received, for asserting what was (and was not) sent. */
  requests: { authorization: string | undefined; body: Record<string, unknown> }[];
  /** The next `count` completions answer `status` (0: hang until the client gives up). */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

export interface OpenAIStubOptions {
  port?: number;
  host?: string;
  /** Delay before each answer, to see a page render before its note is ready. */
  delayMs?: number;
}

// Road or straight-line distances, rounded: enough for "that is about the distance from A to B".
const PLACES: { km: number; en: [string, string]; ru: [string, string] }[] = [
  { km: 3, en: ['the Brandenburg Gate', 'Alexanderplatz'], ru: ['Бранденбургских ворот', 'Александерплац'] },
  { km: 8, en: ['the Eiffel Tower', 'the Bois de Vincennes'], ru: ['Эйфелевой башни', 'Венсенского леса'] },
  { km: 16, en: ['Manhattan', 'Coney Island'], ru: ['Манхэттена', 'Кони-Айленда'] },
  { km: 27, en: ['Berlin', 'Potsdam'], ru: ['Берлина', 'Потсдама'] },
  { km: 42, en: ['Marathon', 'Athens'], ru: ['Марафона', 'Афин'] },
  { km: 56, en: ['Amsterdam', 'Rotterdam'], ru: ['Амстердама', 'Роттердама'] },
  { km: 76, en: ['London', 'Brighton'], ru: ['Лондона', 'Брайтона'] },
  { km: 120, en: ['Berlin', 'Frankfurt (Oder)'], ru: ['Берлина', 'Франкфурта-на-Одере'] },
  { km: 190, en: ['Berlin', 'Dresden'], ru: ['Берлина', 'Дрездена'] },
  { km: 290, en: ['Hamburg', 'Berlin'], ru: ['Гамбурга', 'Берлина'] },
  { km: 650, en: ['Moscow', 'Saint Petersburg'], ru: ['Москвы', 'Санкт-Петербурга'] },
];

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

interface Totals {
  sport_type: string;
  moving_hours: number;
}

const KM_PER_MILE = 1.609344;

/** As a model following the prompt would: the distance written as given, the places chosen by the real distance. */
function funFact(input: { language?: string; distance?: number; distance_unit?: string; distance_text?: string }): Record<string, string> {
  const value = Number(input.distance ?? 0);
  const km = input.distance_unit === 'mi' || input.distance_unit === 'ми' ? value * KM_PER_MILE : value;
  const place = PLACES.reduce((best, p) => (Math.abs(Math.log(p.km / km)) < Math.abs(Math.log(best.km / km)) ? p : best), PLACES[0]!);
  const distance = input.distance_text ?? `${value} ${input.distance_unit ?? ''}`.trim();
  if (input.language === 'ru') {
    const [from, to] = place.ru;
    return { text: `${distance} — это примерно как от ${from} до ${to}.`, from, to };
  }
  const [from, to] = place.en;
  return { text: `${distance} is about the distance from ${from} to ${to}.`, from, to };
}

function coach(input: {
  language?: string;
  last_four_weeks?: Totals[];
  four_weeks_before?: Totals[];
  last_four_weeks_time_text?: string;
  four_weeks_before_time_text?: string;
}): Record<string, string> {
  const hours = (rows: Totals[] | undefined) => (rows ?? []).reduce((sum, row) => sum + Number(row.moving_hours || 0), 0);
  const recent = hours(input.last_four_weeks);
  const before = hours(input.four_weeks_before);
  const trend = recent > before * 1.1 ? 'up' : recent < before * 0.9 ? 'down' : 'steady';
  const r = input.last_four_weeks_time_text ?? `${recent.toFixed(1)} h`;
  const b = input.four_weeks_before_time_text ?? `${before.toFixed(1)} h`;
  const text =
    input.language === 'ru'
      ? {
          up: `Объём вырос: ${r} против ${b}. Добавьте лёгкую неделю, чтобы закрепить прогресс.`,
          down: `Объём снизился: ${r} против ${b}. Вернитесь к ритму двумя короткими спокойными тренировками.`,
          steady: `Объём стабилен: ${r} против ${b}. Попробуйте одну тренировку чуть интенсивнее.`,
        }[trend]
      : {
          up: `Volume is up: ${r} against ${b}. Plan an easier week soon to absorb it.`,
          down: `Volume is down: ${r} against ${b}. Two short easy sessions will get the rhythm back.`,
          steady: `Volume is steady: ${r} against ${b}. Try making one session a little harder.`,
        }[trend];
  return { text, trend };
}

export function startOpenAIStub(options: OpenAIStubOptions = {}): Promise<OpenAIStub> {
  const requests: OpenAIStub['requests'] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  const apiKey = 'sk-local-stand-in';

  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) return send(404, { error: { message: 'Not found' } });
    const raw = await readBody(request);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return send(400, { error: { message: 'Invalid JSON' } });
    }
    requests.push({ authorization: request.headers.authorization, body });
    if (!request.headers.authorization?.startsWith('Bearer ')) return send(401, { error: { message: 'Missing API key' } });
    if (failures.count > 0) {
      failures.count--;
      if (failures.status === 0) return; // never answers: the client's timeout decides
      return send(failures.status, { error: { message: 'Simulated failure', type: 'server_error' } });
    }
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const format = body.response_format as { type?: string; json_schema?: { name?: string } } | undefined;
    const messages = (body.messages as { role: string; content: string }[] | undefined) ?? [];
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(messages.find((m) => m.role === 'user')?.content ?? '{}') as Record<string, unknown>;
    } catch {
      // Not JSON: answer from an empty input.
    }
    const name = format?.json_schema?.name;
    const content = name === 'fun_fact' ? funFact(input) : name === 'coach' ? coach(input) : { text: 'ok' };
    send(200, {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: String(body.model ?? 'stub'),
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: JSON.stringify(content), refusal: null } }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        apiKey,
        requests,
        failNext(count, status) {
          failures = { count, status };
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
