// Entry point (cdktf.json "app", `npm run synth`): read the config once, build
// the app, synthesize, say what was written. Everything else lives in stacks/,
// config/ and synthesis/.
import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ConfigError, configPathFromEnvironment, configWarnings, loadConfig } from "./config/load";
import { buildApp } from "./stacks/app";
import { writeHclOutput } from "./synthesis/hcl-output";
import { countBlocks, displayPath, formatStackReport, removeOtherFormat, writeSynthSource } from "./synthesis/output-folder";

const HCL_OUTDIR = "cdktf.out.hcl";

const USAGE = `usage: npm run synth [-- --hcl]        (npm run synth:hcl is the same with --hcl)
  Synthesizes both stacks from $TRANSFER_CONFIG (default config/example.json)
  into cdktf.out/stacks/<stack>/cdk.tf.json, or with --hcl into
  cdktf.out.hcl/stacks/<stack>/cdk.tf. CDKTF_OUTDIR=<folder> writes elsewhere.
  Every config key: docs/configuration.md. All commands: npm run help`;

function main(argv: readonly string[]): number {
  const unknown = argv.filter((arg) => !["--hcl", "--help", "-h"].includes(arg));
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (unknown.length > 0) {
    // The usage first, the error last: it stays on screen.
    process.stderr.write(`${USAGE}\nsynth: unknown argument ${JSON.stringify(unknown[0])}. Nothing was synthesized.\n`);
    return 2;
  }
  const root = process.cwd();
  let configPath: string;
  let config;
  try {
    configPath = configPathFromEnvironment();
    config = loadConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nNothing was synthesized.\n`);
      return 1;
    }
    throw error;
  }
  const shownConfig = displayPath(root, configPath);
  // Valid but probably not meant: say so on stderr, synthesize anyway.
  for (const warning of configWarnings(config)) process.stderr.write(`Warning (${configPath}): ${warning}\n`);
  // `--hcl` (npm run synth:hcl) writes HCL (cdk.tf) instead of JSON, by
  // default into its own folder so that both can be compared side by side.
  // `npx cdktf synth --hcl` asks for HCL through SYNTH_HCL_OUTPUT instead, into
  // cdktf.out: it gets the same valid HCL.
  const hclOutput = argv.includes("--hcl") || ["true", "1"].includes(process.env.SYNTH_HCL_OUTPUT ?? "");
  const outdir = process.env.CDKTF_OUTDIR || (hclOutput ? HCL_OUTDIR : "cdktf.out");
  // cdktf 0.21 stacks decide HCL vs JSON from SYNTH_HCL_OUTPUT alone; the
  // App's hclOutput option only renames the file. Set both.
  if (hclOutput) process.env.SYNTH_HCL_OUTPUT = "true";
  const app = buildApp(config, { projectRoot: root, hclOutput, outdir });
  app.synth();
  // cdktf 0.21's HCL printer writes invalid HCL for these stacks; print our
  // own from the JSON synthesis instead (see synthesis/hcl-output.ts).
  if (hclOutput) writeHclOutput(app);
  const format = hclOutput ? "hcl" : "json";
  for (const file of removeOtherFormat(app.outdir, format)) {
    process.stdout.write(
      `synth: removed ${displayPath(root, file)}: left by an earlier ${hclOutput ? "JSON" : "HCL"} synth into this folder, ` +
        "Terraform would load it beside the new file\n",
    );
  }
  writeSynthSource(app.outdir, root, configPath, format);
  for (const stack of app.node.children.filter(TerraformStack.isStack)) {
    const file = path.join(app.outdir, app.manifest.forStack(stack).synthesizedStackPath);
    const document = hclOutput ? stack.toTerraform() : JSON.parse(fs.readFileSync(file, "utf8"));
    process.stdout.write(`${formatStackReport({ name: stack.node.id, file: displayPath(root, file), ...countBlocks(document) }, shownConfig)}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
