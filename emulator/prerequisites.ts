// Tools a run against the local emulator needs (terraform and its provider
// mirror, python3 with moto, the AWS CLI), as named checks. `npm run demo`
// lists the missing ones and stops; the integration tests fail in CI and skip
// elsewhere (__tests__/support/prerequisites.ts).
import { execFileSync } from "child_process";

export interface Prerequisite {
  /** What is missing, in words, e.g. "lftp (apt-get install lftp)". */
  readonly name: string;
  /** Returns true when the prerequisite is present. */
  readonly check: () => boolean;
}

/** True when CI is set (as .ci/run does): a missing prerequisite is then an error, never a skip. */
export const inCi = (): boolean => !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";

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
