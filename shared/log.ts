// One logger: Cloud Logging structured JSON lines in production, readable lines on a laptop; never secrets.

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger whose every line also carries `fields` (a request's trace, a job's name). */
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  format: 'json' | 'pretty';
  level?: 'debug' | 'info' | 'warning' | 'error';
  /** Where lines go; stdout by default (Cloud Logging reads it). */
  write?: (line: string) => void;
}

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
const LEVELS = { debug: 'DEBUG', info: 'INFO', warning: 'WARNING', error: 'ERROR' } as const;

// Field names whose values are credentials wherever they appear.
const SENSITIVE_KEY = /token|secret|password|authorization|cookie|^code$|api_?key|client_secret/i;
const knownSecretValues = new Set<string>();

/** Values that must never appear in a log line, whatever field or message carries them. */
export function registerSecretValues(values: Iterable<string | undefined>): void {
  for (const value of values) if (value && value.length >= 6) knownSecretValues.add(value);
}

function scrubString(text: string): string {
  let out = text;
  for (const secret of knownSecretValues) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  // Bearer credentials and token-looking query parameters in URLs or error messages.
  return out
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]')
    .replace(/((?:access_token|refresh_token|client_secret|code)=)[^&\s"]+/g, '$1[redacted]');
}

/**
 * One log record, one line: control characters (a newline in a title, an ANSI escape in a header) are written as
 * escapes, so nothing a request carries can start a fake line or repaint the terminal. JSON lines escape them already.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: scrubString(value.message),
      stack: value.stack ? scrubString(value.stack) : undefined,
      ...(value.cause !== undefined && depth < 4 ? { cause: redact(value.cause, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return depth > 6 ? '[…]' : value.map((item) => redact(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    if (depth > 6) return '[…]';
    const out: Fields = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SENSITIVE_KEY.test(key) && inner !== undefined && inner !== null ? '[redacted]' : redact(inner, depth + 1);
    }
    return out;
  }
  return value;
}

export function createLogger(options: LoggerOptions, bound: Fields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const min = ORDER[LEVELS[options.level ?? 'info']];

  function emit(severity: Severity, message: string, fields?: Fields): void {
    if (ORDER[severity] < min) return;
    const all = redact({ ...bound, ...fields }) as Fields;
    if (options.format === 'json') {
      write(JSON.stringify({ severity, message: scrubString(message), time: new Date().toISOString(), ...all }));
      return;
    }
    const extras = Object.entries(all)
      .filter(([key]) => !key.startsWith('logging.googleapis.com/'))
      .map(([key, value]) => `${escapeControls(key)}=${escapeControls(typeof value === 'string' ? value : JSON.stringify(value))}`)
      .join(' ');
    write(`${new Date().toISOString().slice(11, 19)} ${severity.padEnd(7)} ${escapeControls(scrubString(message))}${extras ? `  ${extras}` : ''}`);
  }

  return {
    debug: (message, fields) => emit('DEBUG', message, fields),
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARNING', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** Fields that let Cloud Logging group a request's lines under its trace (`X-Cloud-Trace-Context`). */
export function traceFields(header: string | undefined, project: string | undefined): Fields {
  if (!header) return {};
  const match = /^([0-9a-fA-F]{32})(?:\/(\d+))?(?:;o=([01]))?/.exec(header);
  if (!match) return {};
  const [, traceId, spanId, sampled] = match;
  return {
    'logging.googleapis.com/trace': project ? `projects/${project}/traces/${traceId}` : traceId,
    ...(spanId ? { 'logging.googleapis.com/spanId': spanId } : {}),
    ...(sampled !== undefined ? { 'logging.googleapis.com/trace_sampled': sampled === '1' } : {}),
  };
}
