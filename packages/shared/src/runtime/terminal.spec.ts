import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { prettyLogDestination, terminalLogDestination } from './terminal';

function written(stream: PassThrough): string {
  const chunks: Buffer[] = [];
  let chunk: Buffer | null;
  while ((chunk = stream.read() as Buffer | null) !== null) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe(terminalLogDestination.name, () => {
  it('prints JSON (the default destination) when the output is no terminal', () => {
    expect(terminalLogDestination(Object.assign(new PassThrough(), { isTTY: false }))).toBeUndefined();
  });

  it('prints readable lines on a terminal', () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    const destination = terminalLogDestination(terminal);
    expect(destination).toBeDefined();
    createLogger({ name: 'launcher', destination }).info('AgentIdP is up');
    expect(written(terminal)).toContain('AgentIdP is up');
  });
});

describe(prettyLogDestination.name, () => {
  it('writes one readable line per entry, with its fields, still redacted', () => {
    const out = new PassThrough();
    const logger = createLogger({
      name: 'launcher',
      destination: prettyLogDestination(out, { colorize: false }),
    });
    logger.info({ url: 'http://127.0.0.1:3000', client_secret: 'agidp_sk_never' }, 'AgentIdP is up');
    const text = written(out);
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(launcher\): AgentIdP is up\n/);
    expect(text).toContain('url: "http://127.0.0.1:3000"');
    expect(text).toContain('client_secret: "[redacted]"');
    expect(text).not.toContain('agidp_sk_never');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });
});
