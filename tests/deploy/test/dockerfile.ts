import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { readRepoFile } from './support';

/** One build stage of the Dockerfile, its instructions in order. */
export interface Stage {
  name: string;
  /** The base: another stage's name or an image reference (ARGs resolved). */
  from: string;
  instructions: { keyword: string; args: string }[];
}

/** The Dockerfile's stages, parsed with dockerfile-ast; `${ARG}` in FROM resolved from the global ARGs. */
export function dockerfileStages(text = readRepoFile('Dockerfile')): Stage[] {
  const dockerfile = DockerfileParser.parse(text);
  const globals = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    const name = property?.getName();
    if (name) globals.set(name, property?.getValue() ?? '');
  }
  const stages: Stage[] = [];
  let current: Stage | undefined;
  for (const instruction of dockerfile.getInstructions() as Instruction[]) {
    const keyword = instruction.getKeyword().toUpperCase();
    // The instruction's whole text with its flags (--from, --mount…), continuation lines joined.
    const args = instruction
      .getTextContent()
      .slice(instruction.getInstruction().length)
      .replace(/\\\n\s*/g, ' ')
      .trim();
    if (keyword === 'FROM') {
      const [image = '', , stageName] = args.split(/\s+/);
      const from = image.replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_, a: string, b: string) => globals.get(a ?? b) ?? '',
      );
      current = { name: stageName ?? `#${stages.length}`, from, instructions: [] };
      stages.push(current);
    } else if (current) {
      current.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The last value an instruction takes in a stage or the stages it is built FROM (USER, HEALTHCHECK…). */
export function effective(stages: Stage[], stageName: string, keyword: string): string | undefined {
  const stage = stages.find((s) => s.name === stageName);
  if (!stage) return undefined;
  const own = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  if (own) return own.args;
  return stages.some((s) => s.name === stage.from) ? effective(stages, stage.from, keyword) : undefined;
}

/** Every LABEL key=value of a stage and its bases (the nearest wins). */
export function labels(stages: Stage[], stageName: string): Map<string, string> {
  const stage = stages.find((s) => s.name === stageName);
  if (!stage) return new Map();
  const inherited = stages.some((s) => s.name === stage.from) ? labels(stages, stage.from) : new Map();
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'LABEL')) {
    for (const match of instruction.args.matchAll(/([\w.-]+)="([^"]*)"/g)) inherited.set(match[1], match[2]);
  }
  return inherited;
}
