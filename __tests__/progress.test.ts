// The demo's phases never stay silent: while a phase prints nothing for 15 s,
// a "still <phase>" line with the time so far (cli/progress.ts).
import { progress } from "../cli/progress";

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test("a silent phase prints a line every 15 s of silence, with the time so far; output resets the silence", async () => {
  const lines: string[] = [];
  const p = progress({ say: (line) => lines.push(line), now: () => Date.now() });
  let finish: () => void = () => undefined;
  const done = p.phase("deploying", () => new Promise<void>((resolve) => (finish = resolve)));
  await jest.advanceTimersByTimeAsync(14_000);
  expect(lines).toEqual([]);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(lines).toEqual(["    ... still deploying (15 s so far)"]);
  await jest.advanceTimersByTimeAsync(5_000);
  p.say("    provider  aws_lb.nlb: Creating...");
  await jest.advanceTimersByTimeAsync(14_000);
  expect(lines).toHaveLength(2);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(lines[2]).toBe("    ... still deploying (35 s so far)");
  finish();
  await done;
  await jest.advanceTimersByTimeAsync(60_000);
  expect(lines).toHaveLength(3);
});

test("the demo runs each of its phases through it", () => {
  const demo = require("fs").readFileSync(require("path").join(__dirname, "..", "cli", "demo.ts"), "utf8") as string;
  // Every awaited step of the demo between its start and its summary is a phase.
  const phases = [...demo.matchAll(/phase\("([^"]+)"/g)].map((m) => m[1]);
  expect(phases).toEqual(
    expect.arrayContaining(["starting the emulator", "creating the pre-existing resources", "deploying", "adding the FTP user", "reading back what was created", "destroying"]),
  );
  expect(demo).not.toMatch(/^\s+await (deploy|destroy|createPreexistingResources|openSession|addFtpUser|describeDeployment)\(/m);
});
