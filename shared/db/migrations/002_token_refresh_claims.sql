-- A refresh claim per athlete, so one instance at a time refreshes their Strava tokens, and the outcome of the last attempt.

alter table tokens
  -- Who holds the claim and until when; a claim whose time has passed was abandoned (its holder crashed) and may be taken over.
  add column refresh_claim_id uuid,
  add column refresh_claimed_until timestamptz,
  -- Last successful refresh, and last failed one: waiters read the failure to stop waiting for a refresh that will not come.
  add column refreshed_at timestamptz,
  add column refresh_failed_at timestamptz,
  add column refresh_failure text;

