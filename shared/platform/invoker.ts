// Checks that a call to a private function comes from the expected service account (Cloud Scheduler, a Pub/Sub push).
//
// Signature verification is the platform's job: with run.invoker granted only to that service account, Cloud Run
// verifies the OIDC token before the request reaches the code (and strips the signature). This check adds that the
// identity is the one expected, so a function that was accidentally made public still refuses strangers.

export type InvokerCheck = { ok: true; email: string } | { ok: false; status: 401 | 403; reason: string };

function bearer(value: string | undefined): string | undefined {
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value.trim()) : null;
  return match?.[1];
}

/** The payload of a JWT, without checking its signature (see the file comment). */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length < 2) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `header` looks a request header up by lowercase name. Cloud Run also accepts `X-Serverless-Authorization` (and prefers it
 * when both are sent), so that one is read first.
 */
export function checkInvoker(header: (name: string) => string | undefined, expectedEmail: string, now = new Date()): InvokerCheck {
  const token = bearer(header('x-serverless-authorization')) ?? bearer(header('authorization'));
  if (!token) return { ok: false, status: 401, reason: 'missing bearer token' };
  const payload = jwtPayload(token);
  if (!payload) return { ok: false, status: 401, reason: 'malformed bearer token' };
  if (typeof payload.exp === 'number' && payload.exp * 1000 < now.getTime()) return { ok: false, status: 401, reason: 'expired token' };
  const email = typeof payload.email === 'string' ? payload.email : undefined;
  if (!email || email.toLowerCase() !== expectedEmail.toLowerCase() || payload.email_verified === false) {
    return { ok: false, status: 403, reason: 'token is not from the expected caller' };
  }
  return { ok: true, email };
}
