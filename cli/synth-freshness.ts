// Is a synth output folder still what the config says? `npm run plan-summary`
// summarizes whatever cdktf.out holds; after a failed synth (which writes
// nothing) or an edit of the config, that is the previous synthesis. Synth
// records the config it read (its path and SHA-256, in .build/synth-sources/);
// this compares that with the config the commands would read now. Without the
// record (a folder synthesized elsewhere, e.g. a pull request's artifact), the
// config's modification time is compared with the stack files' instead.
import * as fs from "fs";
import * as path from "path";
import { configPathFromEnvironment } from "../config/load";
import { displayPath, readSynthSource, sha256OfFile } from "../synthesis/output-folder";

/** Why the folder may not match the config, in one sentence; undefined when it matches (or nothing can be said). */
export function staleness(outdir: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  let configPath: string;
  try {
    configPath = configPathFromEnvironment(env);
  } catch (error) {
    return (error as Error).message.split("\n").slice(1).join(" ").replace(/^\s*- /, "");
  }
  const configFile = path.resolve(cwd, configPath);
  const shown = displayPath(cwd, configPath);
  const folder = displayPath(cwd, outdir);
  const source = readSynthSource(outdir, cwd);
  if (source) {
    if (source.config !== shown && source.config !== path.basename(configFile)) {
      return `${folder} was synthesized from ${source.config}, but the config now is ${shown} (TRANSFER_CONFIG): run \`npm run synth\` first`;
    }
    const current = sha256OfFile(configFile);
    if (current !== undefined && current !== source.configSha256) {
      return `${shown} changed after ${folder} was synthesized from it (or the last synth failed): run \`npm run synth\` first`;
    }
    return undefined;
  }
  const stacksDir = path.join(outdir, "stacks");
  let newest = 0;
  try {
    for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
      const file = path.join(stacksDir, entry.name, "cdk.tf.json");
      if (entry.isDirectory() && fs.existsSync(file)) newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
    if (newest > 0 && fs.statSync(configFile).mtimeMs > newest) {
      return `${shown} is newer than ${folder} (the last synth failed, or the config was edited after it): run \`npm run synth\` first`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
