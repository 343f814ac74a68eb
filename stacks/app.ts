import { App } from "cdktf";
import { TransferConfig } from "../config/schema";
import { ConsumerStack } from "./consumer-stack";
import { ProviderStack } from "./provider-stack";

export interface BuildAppOptions {
  /** Absolute path of the project root (Lambda sources, client files, build cache). */
  readonly projectRoot: string;
  /** Where to synthesize; defaults to cdktf's own choice (CDKTF_OUTDIR or cdktf.out). */
  readonly outdir?: string;
  /** Synthesize HCL (cdk.tf) instead of JSON (cdk.tf.json). */
  readonly hclOutput?: boolean;
}

/** Builds both stacks from a validated config. No files or environment are read here. */
export function buildApp(config: TransferConfig, options: BuildAppOptions): App {
  // No stack traces: cdktf would write them, with absolute paths of this
  // machine, into manifest.json as soon as any construct adds an annotation.
  const app = new App({ outdir: options.outdir, hclOutput: options.hclOutput, stackTraces: false });
  const provider = new ProviderStack(app, "provider", { config, projectRoot: options.projectRoot });
  const consumer = new ConsumerStack(app, "consumer", { config, projectRoot: options.projectRoot });
  // The consumer reads the provider's outputs from its state, so
  // `cdktf deploy provider consumer` must finish the provider first.
  consumer.addDependency(provider);
  return app;
}
