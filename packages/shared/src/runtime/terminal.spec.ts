import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { prettyLogDestination } from './terminal';

function written(stream: PassThrough): string {
  const chunks: Buffer[] = [];
  let chunk: Buffer | null;
  while ((chunk = stream.read() as Buffer | null) !== null) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

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
