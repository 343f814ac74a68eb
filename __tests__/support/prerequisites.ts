// Integration tests need real tools (terraform, moto, lftp, root for network
// namespaces). When CI is set, a missing tool FAILS the run with a message
// saying what is missing; on a developer machine the suite is skipped with the
// same message, so `npm test` still runs everything else. The checks
// themselves live beside the emulator (emulator/prerequisites.ts), which
// `npm run demo` uses too.
import { inCi, Prerequisite } from "../../emulator/prerequisites";

export { commandExists, inCi, isRoot } from "../../emulator/prerequisites";
export type { Prerequisite } from "../../emulator/prerequisites";

/**
 * Returns the names of missing prerequisites. In CI, throws if any is missing.
 * Use: `const missing = missingPrerequisites([...]); const maybe = missing.length ? describe.skip : describe;`
 */
export function missingPrerequisites(suite: string, prerequisites: readonly Prerequisite[]): string[] {
  const missing = prerequisites.filter((p) => !safeCheck(p)).map((p) => p.name);
  if (missing.length > 0) {
    const message = `${suite}: missing prerequisite(s): ${missing.join("; ")}`;
    if (inCi()) throw new Error(`${message}. CI must install these (see .ci/run); refusing to skip.`);
    // eslint-disable-next-line no-console
    console.warn(`${message} - skipping this suite outside CI.`);
  }
  return missing;
}

function safeCheck(p: Prerequisite): boolean {
  try {
    return p.check();
  } catch {
    return false;
  }
}
