// Entry point (cdktf.json "app", `npm run synth`): read the config once, build
// the app, synthesize. Everything else lives in stacks/ and config/.
import { ConfigError, configWarnings, DEFAULT_CONFIG_PATH, loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";
import { writeHclOutput } from "./synthesis/hcl-output";

const HCL_OUTDIR = "cdktf.out.hcl";

function main(): void {
  const configPath = process.env.TRANSFER_CONFIG || DEFAULT_CONFIG_PATH;
  let config;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${error.message}\nNothing was synthesized.`);
      process.exit(1);
    }
    throw error;
  }
  // Valid but probably not meant: say so on stderr, synthesize anyway.
  for (const warning of configWarnings(config)) console.error(`Warning (${configPath}): ${warning}`);
  // `--hcl` (npm run synth:hcl) writes HCL (cdk.tf) instead of JSON, by
  // default into its own folder so that both can be compared side by side.
  const hclOutput = process.argv.includes("--hcl");
  const outdir = process.env.CDKTF_OUTDIR || (hclOutput ? HCL_OUTDIR : undefined);
  // cdktf 0.21 stacks decide HCL vs JSON from SYNTH_HCL_OUTPUT alone; the
  // App's hclOutput option only renames the file. Set both.
  if (hclOutput) process.env.SYNTH_HCL_OUTPUT = "true";
  const app = buildApp(config, { projectRoot: process.cwd(), hclOutput, outdir });
  app.synth();
  // cdktf 0.21's HCL printer writes invalid HCL for these stacks; print our
  // own from the JSON synthesis instead (see synthesis/hcl-output.ts).
  if (hclOutput) writeHclOutput(app);
}

main();
