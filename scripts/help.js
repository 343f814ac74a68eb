#!/usr/bin/env node
// `npm run help`: prints the project's command overview (the file `help`).
"use strict";
const fs = require("fs");
const path = require("path");

const text = fs.readFileSync(path.join(__dirname, "..", "help"), "utf8");
const args = process.argv.slice(2).filter((arg) => arg !== "--help" && arg !== "-h");
if (args.length > 0) {
  process.stderr.write(`${text}\nhelp: takes no arguments, got ${JSON.stringify(args[0])}\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(text);
}
