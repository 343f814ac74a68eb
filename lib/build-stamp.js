// Reuse of a build output while its inputs are unchanged, for the two esbuild
// builds synth runs (scripts/run-ts.js: main.ts; stacks/shared/
// nodejs-function-asset.ts: each Lambda bundle). Loading esbuild and starting
// its service is most of a build's cost, and synth runs on every `cdktf
// synth`/`deploy`. A stamp next to the output records every file esbuild read
// (its metafile inputs) by content hash, plus a key for everything else the
// output depends on (esbuild's version, the options): content hashes, not
// times, so a checkout, a copy or a clock change cannot make a stale output
// look fresh. Plain CommonJS so that run-ts.js can use it before any
// TypeScript is compiled.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

function fingerprint(root, files) {
  const parts = [];
  for (const file of files) {
    try {
      parts.push(`${file}\0${sha256(fs.readFileSync(path.join(root, file)))}`);
    } catch {
      return undefined; // an input is gone: build again
    }
  }
  return sha256(parts.join("\n"));
}

/** The output's bytes if its stamp says nothing it was built from changed, else undefined. */
function reusableOutput(root, outputFile, key) {
  try {
    const stamp = JSON.parse(fs.readFileSync(`${outputFile}.inputs.json`, "utf8"));
    if (stamp.key !== key) return undefined;
    const output = fs.readFileSync(outputFile);
    if (stamp.output !== sha256(output) || stamp.inputs !== fingerprint(root, stamp.files)) return undefined;
    return output;
  } catch {
    return undefined; // no stamp or output yet, or an unreadable one
  }
}

/** Writes the output, then its stamp (each write-then-rename: parallel builds never read half a file). */
function writeStampedOutput(root, outputFile, key, contents, metafile) {
  const files = Object.keys(metafile.inputs).sort();
  const stamp = { key, files, inputs: fingerprint(root, files), output: sha256(contents) };
  fs.mkdirSync(path.dirname(outputFile), { recursive: true });
  for (const [file, data] of [
    [outputFile, contents],
    [`${outputFile}.inputs.json`, JSON.stringify(stamp)],
  ]) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  }
}

module.exports = { reusableOutput, writeStampedOutput };
