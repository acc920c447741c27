import { z } from 'zod';
import { parseEnv } from './env';
import { outboundShape, toOutboundConfig } from './outbound';

const parse = (env: Record<string, string>) => toOutboundConfig(parseEnv(z.object(outboundShape), env));

describe('OUTBOUND_ALLOWED_TARGETS', () => {
  it('is empty by default', () => {
    expect(parse({}).allowedTargets).toEqual([]);
  });

  it('reads a comma-separated host:port list, lower-cased and trimmed', () => {
    expect(
      parse({ OUTBOUND_ALLOWED_TARGETS: ' 127.0.0.1:8080, Receiver.Local:443 ,[::1]:9000' }).allowedTargets,
    ).toEqual(['127.0.0.1:8080', 'receiver.local:443', '[::1]:9000']);
  });

  it.each(['127.0.0.1', 'http://x:80', 'host:0', 'host:70000', 'a b:80'])(
    'refuses %p naming the variable',
    (value) => {
      expect(() => parse({ OUTBOUND_ALLOWED_TARGETS: value })).toThrow(
        'invalid configuration: OUTBOUND_ALLOWED_TARGETS: must be a comma-separated list of host:port',
      );
    },
  );
});
