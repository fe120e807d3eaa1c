// The imports capability's public face: everything other modules may use of it.
export { importRecentActivities } from './recent.js';
export { type BackfillDeps, handleImportRequest, type ImportRequest, InvalidImportRequestError, parseImportRequest, startHistoryImport } from './requests.js';
export { createImportResumer, type ResumeOptions } from './resume.js';
export type { ImportSliceOptions } from './run.js';
export { getImportProgress, type ImportProgress } from './store.js';
