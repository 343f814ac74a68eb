// The deployed client's FTP settings (client/lftprc) and the smoke script's
// argument checks (client/ftp-smoke.sh), without a server. The FTP path itself -
// real lftp through the PrivateLink path in network namespaces to the Transfer
// stand-in playing the deployed server - runs inside the three-protocol
// end-to-end scenario (__tests__/integration/protocols-deploy.test.ts, suites
// in __tests__/support/path-suites/), which deploys the identity provider it
// needs once for all of them.
import * as fs from "fs";
import * as path from "path";
import { commandExists, missingPrerequisites } from "../support/prerequisites";
import { runCommand } from "../../emulator/privatelink-path";

const ROOT = path.resolve(__dirname, "../..");
const LFTPRC = path.join(ROOT, "client/lftprc");
const SMOKE = path.join(ROOT, "client/ftp-smoke.sh");

const EXIT = { usage: 2 } as const;

/** `set name value` lines of an lftp rc file. */
function lftpSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*set\s+(\S+)\s+(.*?)\s*$/.exec(line);
    if (match) settings.set(match[1], match[2]);
  }
  return settings;
}

describe("client/lftprc (the deployed client's lftp settings)", () => {
  const settings = lftpSettings(fs.readFileSync(LFTPRC, "utf8"));

  it("prefers EPSV and ignores the PASV address, with plain FTP in passive mode", () => {
    expect(settings.get("ftp:prefer-epsv")).toBe("yes");
    expect(settings.get("ftp:ignore-pasv-address")).toBe("yes");
    expect(settings.get("ftp:passive-mode")).toBe("on");
    expect(settings.get("ftp:ssl-allow")).toBe("no");
  });

  it("bounds timeouts and retries", () => {
    expect(Number(settings.get("net:timeout"))).toBeLessThanOrEqual(60);
    expect(Number(settings.get("net:max-retries"))).toBeGreaterThanOrEqual(1);
    expect(Number(settings.get("net:max-retries"))).toBeLessThanOrEqual(5);
    expect(Number(settings.get("net:reconnect-interval-base"))).toBeLessThanOrEqual(10);
  });

  it("fits the EC2 user data (no line equal to a heredoc delimiter; room left in the 16 KB limit)", () => {
    expect(fs.readFileSync(LFTPRC, "utf8").split("\n")).not.toContain("LFTPRC");
    expect(fs.readFileSync(SMOKE, "utf8").split("\n")).not.toContain("FTP_SMOKE");
    // Both files are embedded verbatim in the client's user data, which EC2
    // caps at 16384 bytes before base64; keep ~2.5 KB for the rest of it.
    expect(fs.statSync(LFTPRC).size + fs.statSync(SMOKE).size).toBeLessThan(14_000);
  });
});

const lftpOnly = missingPrerequisites("ftp-smoke.sh argument checks", [
  { name: "lftp (apt-get install lftp)", check: () => commandExists("lftp") },
]);

(lftpOnly.length ? describe.skip : describe)("ftp-smoke.sh refuses bad input before connecting", () => {
  const smoke = (args: string[], env: NodeJS.ProcessEnv, input = "") =>
    runCommand(["sh", SMOKE, ...args], { env: { PATH: process.env.PATH, ...env }, input, timeoutMs: 10_000 });

  it("wants a host (FTP_HOST, --host or the host file)", async () => {
    const result = await smoke(["--user", "alice"], { FTP_SMOKE_HOST_FILE: "/nonexistent/host" }, "pw\n");
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("no host");
  });

  it("never takes a password from the command line, and does not echo stray arguments", async () => {
    const refused = await smoke(["--user", "alice", "--password", "Sekr3t!"], { FTP_HOST: "ftp.example" });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain("never taken from the command line");
    const stray = await smoke(["--user", "alice", "Sekr3t!"], { FTP_HOST: "ftp.example" });
    expect(stray.code).toBe(EXIT.usage);
    expect(`${refused.stdout}${refused.stderr}${stray.stdout}${stray.stderr}`).not.toContain("Sekr3t!");
  });

  it("wants a password on stdin when FTP_PASSWORD is unset", async () => {
    const result = await smoke(["--user", "alice"], { FTP_HOST: "ftp.example" }, "");
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("no password");
  });
});
