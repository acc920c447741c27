/**
 * The ESM-only libraries of the deploy tests, run with plain Node (Jest's CommonJS runtime cannot
 * load them): `node tools/esm.mts <command>` reads JSON on stdin and writes JSON on stdout.
 *
 * - `render`: renders Go templates with Go's own text/template (compiled to WebAssembly), the
 *   engine Helm runs, without Helm's extra functions. Input `{ templates: {name: text}, helpers,
 *   context }`; output `{ name: { output } | { error } }`.
 * - `validate`: validates Kubernetes objects against the schema of their kind (kubernetes-models,
 *   prometheus-operator models). Input: objects; output: one error message or null per object.
 */
import { parse } from '@evertdespiegeleer/go-template';

interface RenderInput {
  templates: Record<string, string>;
  helpers: string;
  context: unknown;
}

interface KubeObject {
  apiVersion?: string;
  kind?: string;
}

interface Model {
  validate(): void;
}

type ModelClass = new (data: unknown) => Model;

async function render(input: RenderInput): Promise<Record<string, { output?: string; error?: string }>> {
  const result: Record<string, { output?: string; error?: string }> = {};
  for (const [name, text] of Object.entries(input.templates)) {
    try {
      // Helm parses every template file together, so a file sees the helpers' `define`s.
      result[name] = { output: await parse(`${input.helpers}${text}`, input.context) };
    } catch (error) {
      result[name] = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }
  return result;
}

/** `apps/v1` + `Deployment` → the module of its model. */
function modelModule(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/'))
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function validate(objects: KubeObject[]): Promise<(string | null)[]> {
  const results: (string | null)[] = [];
  for (const object of objects) {
    if (!object.apiVersion || !object.kind) {
      results.push('apiVersion and kind are required');
      continue;
    }
    let Model: ModelClass;
    try {
      const module = (await import(modelModule(object.apiVersion, object.kind))) as Record<
        string,
        ModelClass
      >;
      const found = module[object.kind];
      if (!found) throw new Error('no model');
      Model = found;
    } catch {
      results.push(`no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      results.push(null);
    } catch (error) {
      results.push(error instanceof Error ? error.message : String(error));
    }
  }
  return results;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const input: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const command = process.argv[2];
  const output =
    command === 'render'
      ? await render(input as RenderInput)
      : command === 'validate'
        ? await validate(input as KubeObject[])
        : undefined;
  if (output === undefined) throw new Error(`unknown command ${String(command)}`);
  process.stdout.write(JSON.stringify(output));
}

void main();
