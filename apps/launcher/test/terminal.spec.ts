import { spawn, spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { waitFor } from '@agentidp/shared/testing';
import { REPO_ROOT, stackEnv, type StackEnv } from './helpers';

/**
 * `pnpm start` on a terminal: `script` gives the launcher a pseudo-terminal as stdout, as a shell
 * does, and Ctrl-C is typed into it. (With stdout piped, the launcher prints JSON lines: the
 * entry-point tests in processes.spec.ts read them.) Skipped where `script` (util-linux) is
 * missing.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;

(hasScript ? describe : describe.skip)('the launcher on a terminal', () => {
  let setup: StackEnv;
  beforeAll(async () => {
    setup = await stackEnv();
  });
  afterAll(() => setup.database.drop());

  it('prints readable log lines, not JSON, and stops on Ctrl-C with exit code 0', async () => {
    // `exec`: script runs the command through $SHELL, and a shell such as dash dies of the
    // Ctrl-C itself (exit 130) before the launcher has finished its clean shutdown.
    const child = spawn('script', ['-qfec', 'exec node apps/launcher/dist/main.js', '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...setup.env, LOG_LEVEL: 'info' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('AgentIdP is up') || child.exitCode !== null, {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      child.stdin.write('\u0003');
      const code = await exited;
      // On a failure, show what the launcher printed.
      expect({ code, output: code === 0 ? '' : output.slice(-3_000) }).toEqual({ code: 0, output: '' });
    } finally {
      child.kill('SIGKILL');
    }

    const lines = stripVTControlCharacters(output).split(/\r?\n/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(launcher\): AgentIdP is up$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/INFO \(registry\): registry service listening$/));
    expect(lines).toContainEqual(expect.stringMatching(/INFO \(audit\): audit service stopped$/));
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
  }, 90_000);
});
