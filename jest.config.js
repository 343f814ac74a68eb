// Two projects: `unit` (synthesized JSON, handler logic; seconds) and
// `integration` (terraform, the AWS emulator, real lftp in network namespaces).
// TypeScript is transpiled by SWC without type-checking; `npm run typecheck`
// (tsc --noEmit) type-checks everything and runs first in `npm test`.
const transform = {
  "^.+\\.tsx?$": [
    "@swc/jest",
    { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
  ],
};

module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      setupFilesAfterEnv: ["<rootDir>/setup.js"],
      testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/integration/"],
    },
    {
      displayName: "integration",
      testEnvironment: "node",
      transform,
      setupFilesAfterEnv: ["<rootDir>/setup.js"],
      testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"],
    },
  ],
  testTimeout: 30000,
  // Three test files at a time, even on a 2-core machine (jest's default there
  // is one): the end-to-end suites spend most of their time waiting on the AWS
  // provider's polling against the emulator, so they overlap well.
  maxWorkers: 3,
  // The minutes-long end-to-end suites first (jest.sequencer.js).
  testSequencer: "<rootDir>/jest.sequencer.js",
};
