// The insights capability's public face: everything other modules may use of it.
export { type InsightDeps, insightsConfigured, notesFor, type NoteView, settleInsights } from './service.js';
