// The query surface every store takes as a parameter: a pool or a client inside a transaction.
import type pg from 'pg';

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;
