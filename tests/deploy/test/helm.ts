import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { esmTool, ROOT, yamlDocuments } from './support';

export const CHART_DIR = path.join(ROOT, 'deploy', 'helm', 'agentidp');

export type Values = Record<string, unknown>;
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
} & Record<string, unknown>;

export const defaultValues = (): Values =>
  parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Values;

/** values.schema.json compiled with Ajv (draft-07, the draft Helm 3 validates with). */
export function valuesValidator() {
  const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
  return new Ajv({ allErrors: true, strict: true }).compile(schema);
}

/** Deep merge of overrides into values, as `helm --set`/`-f` does (maps merge, the rest replaces). */
export function merge(base: Values, overrides: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? merge(current as Values, value as Values)
        : value;
  }
  return out;
}

export interface Rendered {
  /** Every object of every manifest template, in file order. */
  objects: KubeObject[];
  /** Rendered text per template file (NOTES.txt included). */
  files: Record<string, string>;
}

/**
 * Renders the chart as `helm template` does, with Go's text/template (tools/esm.mts): every
 * template file with the `define`s of the helpers, the context Helm builds (Values, Release,
 * Chart from Chart.yaml with Helm's capitalised field names), documents split on `---`.
 * Missing keys are errors here (Helm's `--strict` lint behaviour), so every key a template reads
 * must exist in values.yaml.
 */
export function renderChart(values: Values, release = { name: 'idp', namespace: 'agentidp' }): Rendered {
  const templatesDir = path.join(CHART_DIR, 'templates');
  const names = readdirSync(templatesDir).sort();
  const helpers = names
    .filter((name) => name.startsWith('_'))
    .map((name) => readFileSync(path.join(templatesDir, name), 'utf8'))
    .join('');
  const templates = Object.fromEntries(
    names
      .filter((name) => !name.startsWith('_'))
      .map((name) => [name, readFileSync(path.join(templatesDir, name), 'utf8')]),
  );
  const chart = parse(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, string>;
  const context = {
    Values: values,
    Release: {
      Name: release.name,
      Namespace: release.namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
    },
    Chart: {
      Name: chart.name,
      Version: chart.version,
      AppVersion: chart.appVersion,
      Description: chart.description,
    },
  };
  const results = esmTool<Record<string, { output?: string; error?: string }>>('render', {
    templates,
    helpers,
    context,
  });
  const files: Record<string, string> = {};
  const objects: KubeObject[] = [];
  for (const name of Object.keys(templates)) {
    const result = results[name];
    if (!result || result.error !== undefined) throw new Error(`${name}: ${result?.error ?? 'not rendered'}`);
    const output = result.output ?? '';
    if (output.includes('<no value>')) throw new Error(`${name}: renders <no value>`);
    files[name] = output;
    if (name.endsWith('.yaml')) objects.push(...(yamlDocuments(output) as KubeObject[]));
  }
  return { objects, files };
}

/** Validates objects against the Kubernetes schema of their kind: one error or null each. */
export function validateObjects(objects: KubeObject[]): (string | null)[] {
  return esmTool<(string | null)[]>('validate', objects);
}
