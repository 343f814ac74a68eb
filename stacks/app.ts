import { App } from "cdktf";
import { TransferConfig } from "../config/schema";
import { ConsumerStack } from "./consumer-stack";
import { ProviderStack } from "./provider-stack";
import { asTerraformLiterals } from "../lib/terraform-literal";

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
  // The config is data: here, where it turns into Terraform text, every
  // string becomes literal ("${" -> "$${", "%{" -> "%%{"). Here and not in
  // loadConfig, because the users and smoke commands use the same config with
  // AWS SDKs and need the raw values; not in the constructs, because one place
  // cannot be forgotten by the next construct, and escaping twice would turn a
  // literal "${" into "$${" (client-user-data escapes only the client files it
  // embeds, never config). The validator refuses "$", "%" and "{" in every
  // config string, so this changes no validated value (IPs, CIDRs and names
  // computed from it stay the same); it guards against a key that one day
  // admits free text. Values cdktf passes as literals into Terraform function
  // calls (Fn.*) get cdktf's own "${" escaping on top: over-escaped, still text.
  const terraformConfig = asTerraformLiterals(config);
  const provider = new ProviderStack(app, "provider", { config: terraformConfig, projectRoot: options.projectRoot });
  const consumer = new ConsumerStack(app, "consumer", { config: terraformConfig, projectRoot: options.projectRoot });
  // The consumer reads the provider's outputs from its state, so
  // `cdktf deploy provider consumer` must finish the provider first.
  consumer.addDependency(provider);
  return app;
}
