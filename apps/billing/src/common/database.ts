import type { Pool, PoolClient } from '@agentidp/shared';

/** What a repository runs SQL on: the pool, or the client of an open transaction. */
export type Queryable = Pool | PoolClient;
