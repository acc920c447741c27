import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux everywhere). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime/stime are 14/15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A process to meter and the name its CPU is reported under (several may share a name). */
export interface MeteredProcess {
  name: string;
  pid: number;
}

/** CPU ms used during a measurement, in total and by process name. */
export interface CpuUsage {
  totalMs: number;
  byName: Map<string, number>;
}

/**
 * The CPU a scenario costs the system under test, whatever else runs on the machine: summed over
 * the stack's own processes, the Postgres backends serving the bench database and the Redis server.
 * Throughput on a shared 2-core machine moves with the neighbours; CPU per request much less, so
 * it is the figure to compare between runs and with the peer, and its split by process shows
 * where the time goes.
 */
export class CpuMeter {
  constructor(private readonly processes: () => Promise<MeteredProcess[]>) {}

  /** Starts a measurement; the returned function gives the CPU used since, by the same processes. */
  async start(): Promise<() => CpuUsage> {
    const processes = await this.processes();
    const before = processes.map((p) => ({ ...p, startMs: processCpuMs(p.pid) }));
    return () => {
      const byName = new Map<string, number>();
      let totalMs = 0;
      for (const p of before) {
        const used = Math.max(0, processCpuMs(p.pid) - p.startMs);
        totalMs += used;
        byName.set(p.name, (byName.get(p.name) ?? 0) + used);
      }
      return { totalMs, byName };
    };
  }
}

/** Process ids of the Postgres backends connected to the database at `databaseUrl`. */
export async function postgresBackends(databaseUrl: string): Promise<MeteredProcess[]> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return rows.map((r) => ({ name: 'postgres', pid: r.pid }));
  } finally {
    await client.end();
  }
}

/** The Redis server's process id (from INFO), when redis-cli can reach it. */
export function redisServer(redisUrl: string): MeteredProcess[] {
  try {
    const info = execFileSync('redis-cli', ['-u', redisUrl, 'info', 'server'], { encoding: 'utf8' });
    const match = /process_id:(\d+)/.exec(info);
    return match ? [{ name: 'redis', pid: Number(match[1]) }] : [];
  } catch {
    return [];
  }
}
