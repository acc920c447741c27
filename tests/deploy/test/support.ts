import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root (this file is tests/deploy/test/support.ts). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

/** A YAML file of the repository; merge keys (`<<: *anchor`) resolved as compose resolves them. */
export function readYaml<T>(relative: string): T {
  return parse(readRepoFile(relative), { merge: true }) as T;
}

/** Every non-empty document of a YAML stream (Helm splits rendered templates the same way). */
export function yamlDocuments(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS() as Record<string, unknown> | null;
    })
    .filter((doc): doc is Record<string, unknown> => doc !== null && typeof doc === 'object');
}

/** Runs a command of tools/esm.mts (the ESM-only libraries) with `input` as JSON on stdin. */
export function esmTool<T>(command: 'render' | 'validate', input: unknown): T {
  const stdout = execFileSync(process.execPath, [path.join(__dirname, '..', 'tools', 'esm.mts'), command], {
    input: JSON.stringify(input),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.toString('utf8')) as T;
}

/** Variables of .env.example (`NAME=value` lines, and `# NAME=value` for the commented ones). */
export function envExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readRepoFile('.env.example').split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) vars.set(match[1] as string, match[2] as string);
  }
  return vars;
}
