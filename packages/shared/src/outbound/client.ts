import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { isIpLiteral, isPublicAddress, unbracket } from './address';
import { isAllowedTarget, refuseTarget } from './target';

/** Why an outbound request did not get an answer. */
export type OutboundFailure =
  /** The URL or the address its name resolves to breaks the outbound rules; nothing was sent. */
  | 'refused'
  | 'timeout'
  /** The answer's body was larger than allowed. */
  | 'too_large'
  /** DNS, connection, TLS or protocol failure. */
  | 'network';

export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Resolves a host name to every address it has (the default is the system resolver). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface OutboundClientOptions {
  /** Lower-case `host:port` pairs exempt from the rules (OUTBOUND_ALLOWED_TARGETS). */
  allowedTargets: readonly string[];
  /** Upper bound of a whole request, connection included (default 10 s). */
  timeoutMs?: number;
  /** Largest response body read (default 1 MiB); a larger one fails with `too_large`. */
  maxResponseBytes?: number;
  resolver?: Resolver;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface OutboundClient {
  /**
   * Sends one request under the outbound rules. Redirects are answers like any other (never
   * followed). Throws {@link OutboundError}; any HTTP status is a response, not an error.
   */
  send(url: string, init: OutboundRequest): Promise<OutboundResponse>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * The one way AgentIdP sends a request to a URL it was given (webhook receivers, partner JWKS,
 * discovery documents). The name is resolved once per connection, every address it resolves to
 * must be public (one private answer refuses the whole name, so a name that mixes a public and a
 * private address cannot be used to reach the private one), and the socket connects to exactly
 * the addresses checked: the check and the connection cannot disagree (no rebinding between
 * them). IP literals are checked before any connection. Targets in `allowedTargets` skip the
 * address check and may use `http`.
 */
export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseSize = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const resolver = options.resolver ?? systemResolver;
  const common = { maxResponseSize, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const guarded = new Agent({ ...common, connect: { lookup: checkedLookup(resolver), timeout: timeoutMs } });
  const exempt = new Agent({ ...common, connect: { timeout: timeoutMs } });

  return {
    async send(url, init) {
      const refusal = refuseTarget(url, options.allowedTargets);
      if (refusal) throw new OutboundError('refused', `outbound URL refused: ${refusal}`);
      const target = new URL(url);
      const allowed = isAllowedTarget(target, options.allowedTargets);
      const host = unbracket(target.hostname);
      // net.connect does not look up an IP literal, so the lookup hook never sees it: check here.
      if (!allowed && isIpLiteral(host) && !isPublicAddress(host)) {
        throw new OutboundError('refused', 'outbound URL refused: not a public address');
      }
      const dispatcher: Dispatcher = allowed ? exempt : guarded;
      try {
        const response = await request(target, {
          dispatcher,
          method: init.method,
          headers: init.headers,
          body: init.body,
          signal: AbortSignal.timeout(init.timeoutMs ?? timeoutMs),
          maxRedirections: 0,
        } as Parameters<typeof request>[1]);
        const body = Buffer.from(await response.body.arrayBuffer());
        return { status: response.statusCode, headers: response.headers, body };
      } catch (error) {
        throw classify(error);
      }
    },
    async close() {
      await Promise.all([guarded.close(), exempt.close()]);
    },
  };
}

/** A `net.connect` lookup that resolves with `resolver` and fails unless every address is public. */
function checkedLookup(resolver: Resolver): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolver(hostname).then(
      (addresses) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const usable = addresses.filter((a) => wanted === 0 || a.family === wanted);
        const refused = addresses.find((a) => !isPublicAddress(a.address));
        if (refused || usable.length === 0) {
          const error = refused
            ? new OutboundError(
                'refused',
                `outbound request refused: ${hostname} resolves to a non-public address`,
              )
            : new OutboundError('network', `${hostname} has no usable address`);
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        if (lookupOptions.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: unknown) =>
        callback(
          new OutboundError('network', `cannot resolve ${hostname}`, {
            cause: error,
          }) as NodeJS.ErrnoException,
          '',
          0,
        ),
    );
  };
}

/** Errors may come from another realm (undici's timers, DOMException): read them by shape. */
function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as Error).name === 'string';
}

function classify(error: unknown): OutboundError {
  for (let e: unknown = error; isErrorLike(e); e = e.cause) {
    if (e instanceof OutboundError) return e;
    if (e instanceof AggregateError) {
      const inner = e.errors.find((x: unknown) => x instanceof OutboundError) as OutboundError | undefined;
      if (inner) return inner;
    }
    if (e.name === 'TimeoutError') return new OutboundError('timeout', 'no answer in time');
    if (e instanceof undiciErrors.ResponseExceededMaxSizeError)
      return new OutboundError('too_large', 'the response body is larger than allowed');
    if (
      e instanceof undiciErrors.HeadersTimeoutError ||
      e instanceof undiciErrors.BodyTimeoutError ||
      e instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new OutboundError('timeout', 'no answer in time');
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new OutboundError('network', message, { cause: error });
}
