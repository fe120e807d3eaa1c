// The one rule for HTTP failures from any service we call (Strava, Telegram, Slack, Discord, Cloud Storage): which are
// worth trying again later without anyone doing anything. Each service then names its own answers (a blocked chat,
// a deleted webhook, a revoked token) within the last class.

export type HttpFailureClass =
  /** 429: wait for the service's window (each service says how long its own way). */
  | 'throttled'
  /** No answer (status 0), a timeout (408) or the service's own trouble (5xx): the same request may well work later. */
  | 'unavailable'
  /** Any other answer: the service will keep saying the same, until someone changes something. */
  | 'answered';

export function httpFailureClass(status: number): HttpFailureClass {
  if (status === 429) return 'throttled';
  if (status === 0 || status === 408 || status >= 500) return 'unavailable';
  return 'answered';
}
