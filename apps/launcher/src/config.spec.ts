import * as path from 'node:path';
import { ConfigError } from '@agentidp/shared/config';
import { loadLauncherConfig } from './config';

describe(loadLauncherConfig.name, () => {
  it('without DATABASE_URL/REDIS_URL: embedded Postgres on a free port, data under ./.data', () => {
    expect(loadLauncherConfig({}, '/srv/agentidp')).toEqual({
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: path.resolve('/srv/agentidp', '.data'),
      embeddedPostgresPort: 0,
    });
  });

  it('reads the real backends, DATA_DIR relative to the working directory and EMBEDDED_PG_PORT', () => {
    const config = loadLauncherConfig(
      {
        DATABASE_URL: 'postgres://u@db:5432/agentidp',
        REDIS_URL: 'redis://cache:6379/2',
        DATA_DIR: 'state',
        EMBEDDED_PG_PORT: '55432',
      },
      '/srv/agentidp',
    );
    expect(config).toEqual({
      databaseUrl: 'postgres://u@db:5432/agentidp',
      redisUrl: 'redis://cache:6379/2',
      dataDir: '/srv/agentidp/state',
      embeddedPostgresPort: 55432,
    });
    expect(loadLauncherConfig({ DATA_DIR: '/var/lib/agentidp' }, '/srv').dataDir).toBe('/var/lib/agentidp');
  });

  it('refuses bad URLs and ports with one ConfigError naming each variable', () => {
    let error: unknown;
    try {
      loadLauncherConfig(
        { DATABASE_URL: 'mysql://root@db/x', REDIS_URL: 'memcached://x', EMBEDDED_PG_PORT: '70000' },
        '/srv',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'EMBEDDED_PG_PORT']) expect(message).toContain(name);
    expect(message).not.toContain('\n');
  });
});
