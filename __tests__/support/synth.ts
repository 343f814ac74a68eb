// Synthesizes the app as `npm run synth` does and returns each stack's JSON.
import { Testing, TerraformStack } from "cdktf";
import { TransferConfig } from "../../config/schema";
import { buildApp } from "../../stacks/app";
import { PROJECT_ROOT } from "./config";

export interface SynthesizedStacks {
  /** Raw JSON strings, for cdktf's jest matchers. */
  readonly provider: string;
  readonly consumer: string;
}

export function synthStacks(config: TransferConfig): SynthesizedStacks {
  const app = buildApp(config, { projectRoot: PROJECT_ROOT, outdir: Testing.app().outdir });
  const stack = (name: string) => app.node.findChild(name) as TerraformStack;
  return { provider: Testing.synth(stack("provider")), consumer: Testing.synth(stack("consumer")) };
}

/** A synthesized resource or data source body, with its logical ID as `__address`. */
export type Synthesized = Record<string, unknown> & { readonly __address: string };

function blocks(synthesized: string, kind: "resource" | "data", type: string): Synthesized[] {
  const all = (JSON.parse(synthesized)[kind]?.[type] ?? {}) as Record<string, Record<string, unknown>>;
  const prefix = kind === "data" ? `data.${type}` : type;
  return Object.entries(all).map(([id, body]) => ({ ...body, __address: `${prefix}.${id}` }));
}

/** All resources of one type in a synthesized stack. */
export function resourcesOf(synthesized: string, type: string): Synthesized[] {
  return blocks(synthesized, "resource", type);
}

export function dataSourcesOf(synthesized: string, type: string): Synthesized[] {
  return blocks(synthesized, "data", type);
}

/** The single resource of a type (fails the test if there are 0 or several). */
export function onlyResource(synthesized: string, type: string): Synthesized {
  const all = resourcesOf(synthesized, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** The Terraform expression referring to an attribute, as cdktf writes it: `${aws_lb.x.arn}`. */
export function ref(block: Synthesized, attribute: string): string {
  return `\${${block.__address}.${attribute}}`;
}
