// Best efforts: the public face of the capability (the only writer of best_efforts, effort_scans, effort_enrichment).
export { EFFORT_DISTANCES, distancesFor, type EffortDistance, type EffortSport } from './distances.js';
export { effortsFromDetail, effortsFromStreams, cumulativeDistance, MAX_SPEED, type Effort } from './compute.js';
export {
  bestEfforts,
  bestEffortsByYear,
  enrichmentProgress,
  saveActivityEfforts,
  sportOfType,
  type BestEffort,
  type EnrichmentProgress,
  type YearBest,
} from './store.js';
export {
  createEnrichmentBudget,
  ENRICHMENT_POLICY,
  runEnrichment,
  searchDetail,
  searchFetchedStreams,
  searchStored,
  type EnrichmentDeps,
  type EnrichmentSummary,
} from './enrich.js';
