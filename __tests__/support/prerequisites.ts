// Integration tests need real tools (terraform, moto, lftp, root for network
// namespaces). When CI is set, a missing tool FAILS the run with a message
// saying what is missing; on a developer machine the suite is skipped with the
// same message, so `npm test` still runs everything else.
import { execFileSync } from "child_process";

export const inCi = (): boolean => !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";

export interface Prerequisite {
  /** What is missing, in words, e.g. "lftp (apt-get install lftp)". */
  readonly name: string;
  /** Returns true when the prerequisite is present. */
  readonly check: () => boolean;
}

export function commandExists(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

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
