// Test order for `npm test`: jest runs three files at a time (jest.config.js)
// and, on a machine without its cache (a fresh CI clone), starts them in an
// order of its own (file size). The end-to-end suites take minutes each, so
// they start first, longest first; a long one started last would leave the
// other workers idle while it finishes alone.
"use strict";
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST_FIRST = [
  "day2-changes.test.ts",
  "deploy.test.ts",
  "emulator.test.ts",
  "protocols-deploy.test.ts",
  "cross-account.test.ts",
];

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const index = LONGEST_FIRST.findIndex((name) => test.path.endsWith(`/${name}`));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    const rest = super.sort(tests);
    return [...rest].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirstSequencer;
