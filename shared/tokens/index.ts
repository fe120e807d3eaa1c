// The tokens capability's public face: everything other modules may use of it.
export { getAccessToken, ReconnectRequiredError, REFRESH_WINDOW_MS, type TokenDeps, TokenRefreshError } from './access.js';
export { createTokenCipher, type TokenCipher } from './cipher.js';
export { refreshDueTokens, type RefreshJobSummary, type ResumeStalledImports, type RetryDeferredEvents, type ResumeStalledUploads } from './refresh-job.js';
export { loadTokens, saveTokens, tokenContext } from './store.js';
