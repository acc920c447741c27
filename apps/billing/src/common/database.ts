import type { Pool, PoolClient } from '@agentidp/shared/db';

/** What a repository runs SQL on: the pool, or the client of an open transaction. */
export type Queryable = Pool | PoolClient;
