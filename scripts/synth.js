#!/usr/bin/env node
// The cdktf app command (cdktf.json "app") and `npm run synth`.
// main.ts is compiled by esbuild and run in this process: no type-checking
// runner at synth time (see `npm run typecheck`), so synth stays close to the
// cost of loading cdktf itself (`npm run bench` measures both).
"use strict";
require("./run-ts").runTs(require("path").join(__dirname, "..", "main.ts"), process.argv.slice(2));
