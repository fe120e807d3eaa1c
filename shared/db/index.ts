// The database foundation's public face: migrations, transactions and the query surface every store takes.
export { migrate } from './migrate.js';
export { withTransaction } from './transaction.js';
export type { Queryable } from './types.js';
