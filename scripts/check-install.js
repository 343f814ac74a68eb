#!/usr/bin/env node
// After `npm ci --ignore-scripts` (.ci/run installs that way, as root): no dependency's install
// script ran. This names the ones the lock file says have one, what each would have done, and
// checks that what the project needs from them works without it. A dependency with an install
// script that nobody reviewed here fails the check, so a new one cannot slip in unnoticed.
//
//   node scripts/check-install.js
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

// Every package of package-lock.json marked hasInstallScript, what its script does, and the check
// that stands in for it.
const REVIEWED = {
  // postinstall (install.js): finds the platform's binary package (@esbuild/<os>-<cpu>, an
  // optional dependency npm installs anyway), downloads it from the registry if missing, and
  // hard-links the binary over the JavaScript shim of bin/esbuild (a speed-up of the CLI only).
  // The JavaScript API, which is all this project uses, finds the binary itself and checks its version.
  esbuild: () => {
    const esbuild = require(require.resolve("esbuild", { paths: [ROOT] }));
    const { code } = esbuild.transformSync("let answer: number = 42", { loader: "ts" });
    if (!code.includes("42")) throw new Error("esbuild's transform returned nothing");
    return `esbuild ${esbuild.version}: its platform binary transforms`;
  },
  // postinstall (postinstall.js): loads the native binding (@swc/core-<os>-<cpu>, an optional
  // dependency) and, if that fails, installs @swc/wasm with npm as a fallback.
  "@swc/core": () => {
    const swc = require(require.resolve("@swc/core", { paths: [ROOT] }));
    const { code } = swc.transformSync("const answer: number = 42;", { jsc: { parser: { syntax: "typescript" } } });
    if (!code.includes("42")) throw new Error("@swc/core's transform returned nothing");
    return `@swc/core ${swc.version}: its native binding transforms`;
  },
  // install: checks for a prebuilt pty.node for this Node.js ABI under prebuilds/, else compiles
  // one with node-gyp (a C++ toolchain and Node.js headers); postinstall deletes build leftovers.
  // cdktf-cli (deploy/diff/destroy) spawns terraform through it. The package ships prebuilds for
  // Node.js ABIs up to 127 (Node.js 22); none for Node.js 24 (ABI 137).
  "@cdktf/node-pty-prebuilt-multiarch": () => {
    const { ptyPath } = require(require.resolve("@cdktf/node-pty-prebuilt-multiarch/lib/prebuild-file-path", { paths: [ROOT] }));
    if (!ptyPath) {
      return `no prebuilt binary of @cdktf/node-pty-prebuilt-multiarch for Node.js ${process.versions.node} (ABI ${process.versions.modules}): cdktf deploy/diff/destroy need Node.js 22 here`;
    }
    const pty = require(require.resolve("@cdktf/node-pty-prebuilt-multiarch", { paths: [ROOT] }));
    if (typeof pty.spawn !== "function") throw new Error("no spawn()");
    return `@cdktf/node-pty-prebuilt-multiarch: the prebuilt binary for ABI ${process.versions.modules} loads`;
  },
  // install (install.js): tries to compile ssh2's optional C++ crypto binding (AES-GCM and
  // ChaCha20-Poly1305 through OpenSSL) with node-gyp and exits 0 either way; without it ssh2 uses
  // Node's crypto module for the same ciphers. The Transfer stand-in's SFTP server runs on it.
  ssh2: () => {
    const { utils } = require(require.resolve("ssh2", { paths: [ROOT] }));
    const key = utils.generateKeyPairSync("ed25519");
    const parsed = utils.parseKey(key.public);
    if (parsed instanceof Error || parsed.type !== "ssh-ed25519") throw new Error("ssh2 could not read the key it generated");
    return "ssh2: generates and reads keys without its optional crypto binding";
  },
  // install: node-gyp compiles a binding that reads the CPU's features; ssh2 (an optional
  // dependency of it) uses them only to order its cipher list, and loads it inside try/catch.
  "cpu-features": () => {
    let loaded = true;
    try {
      require(require.resolve("cpu-features", { paths: [ROOT] }));
    } catch {
      loaded = false;
    }
    return `cpu-features: ${loaded ? "its binding loads" : "not built (ssh2 orders its ciphers without it)"}`;
  },
};

/** Packages of the lock file with an install script, by name (a name can occur at several paths). */
function withInstallScripts(lock) {
  const names = new Set();
  for (const [location, entry] of Object.entries(lock.packages ?? {})) {
    if (!entry.hasInstallScript || location === "") continue;
    names.add(entry.name ?? location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length));
  }
  return [...names].sort();
}

function main() {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
  const found = withInstallScripts(lock);
  const unreviewed = found.filter((name) => !(name in REVIEWED));
  const gone = Object.keys(REVIEWED).filter((name) => !found.includes(name));
  const problems = [];
  if (unreviewed.length) {
    problems.push(
      `install scripts nobody reviewed: ${unreviewed.join(", ")}. Read each, and add it to scripts/check-install.js with what it does and a check that the project works without it.`,
    );
  }
  if (gone.length) problems.push(`no longer in the lock file with an install script: ${gone.join(", ")} (remove from scripts/check-install.js)`);
  for (const name of found.filter((n) => n in REVIEWED)) {
    try {
      const line = REVIEWED[name]();
      console.log(line.startsWith("no prebuilt") ? `--  ${line}` : `ok  ${line}`);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length) {
    for (const problem of problems) console.error(`check-install: ${problem}`);
    process.exit(1);
  }
}

module.exports = { REVIEWED, withInstallScripts };

if (require.main === module) main();
