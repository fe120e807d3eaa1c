// The strava capability's public face: everything other modules may use of it.
export { ApiHostSelector, LEGACY_API_BASE_URL, NEXT_API_BASE_URL, NEXT_API_FROM } from './api-host.js';
export { type ApplicationStatusTracker, createApplicationStatusTracker, INACTIVE_RETRY_MS, readApplicationStatus } from './application.js';
export { type BudgetPolicy, createStravaBudget, DEFAULT_BUDGET_POLICY, QUARTER_HOUR_MS, readBudgetUsage, type StravaBudget, windowStart } from './budget.js';
export { StravaClient } from './client.js';
export { causedByInactiveApplication, StravaError, StravaNotFoundError, StravaRateLimitError, StravaRequestError, StravaUnauthorizedError } from './errors.js';
export { isSafeId, UnsafeIdError } from './json.js';
export {
  createSubscription,
  createSubscriptionIdCache,
  deleteSubscription,
  describeStravaRefusal,
  ensureSubscription,
  recordSubscription,
  type SubscriptionClientOptions,
  type SubscriptionIdCache,
  viewSubscription,
  webhookCallbackUrl,
} from './subscriptions.js';
export type { ActivityStats, ActivityTotal, DetailedAthlete, StreamSet, SummaryActivity, TokenSet } from './types.js';
