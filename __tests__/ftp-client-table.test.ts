// The FTP client table (docs/passive-ip.md, "Which FTP clients work") says what
// __tests__/support/path-suites/client-matrix.ts proves: both come from
// __tests__/support/ftp-clients.ts. And CI installs every client it names.
import * as fs from "fs";
import * as path from "path";
import { clientTableRows, FTP_CLIENTS, renderClientTable, TABLE_BEGIN, TABLE_END, TABLE_HEADER } from "./support/ftp-clients";

const ROOT = path.resolve(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "docs", "passive-ip.md"), "utf8");

/** The Markdown table between the markers, as rows of trimmed cells. */
function readmeTable(): string[][] {
  const begin = README.indexOf(TABLE_BEGIN);
  const end = README.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`docs/passive-ip.md: markers ${TABLE_BEGIN} ... ${TABLE_END} not found`);
  return README.slice(begin + TABLE_BEGIN.length, end)
    .split("\n")
    .filter((line) => line.trim().startsWith("|"))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, "")
        .split("|")
        .map((cell) => cell.trim()),
    );
}

describe("README client table", () => {
  test("has the tested header, and one row per client with every cell as the matrix expects it", () => {
    const [header, separator, ...rows] = readmeTable();
    expect(header).toEqual([...TABLE_HEADER]);
    expect(separator.every((cell) => /^:?-{3,}:?$/.test(cell))).toBe(true);
    expect(rows).toEqual(clientTableRows());
  });

  test("is exactly what renderClientTable prints (paste its output when the expectations change)", () => {
    const begin = README.indexOf(TABLE_BEGIN) + TABLE_BEGIN.length;
    expect(README.slice(begin, README.indexOf(TABLE_END)).trim()).toBe(renderClientTable());
  });

  test("consumer-endpoint works for every client; the other modes fail for some", () => {
    expect(FTP_CLIENTS.filter((c) => !c.expected["consumer-endpoint"].works).map((c) => c.id)).toEqual([]);
    expect(FTP_CLIENTS.filter((c) => !c.expected.nlb.works).length).toBeGreaterThan(0);
  });

  test(".ci/run installs every client's Debian package", () => {
    const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    const aptLine = ci.split("\n").find((line) => line.startsWith("apt-get install")) ?? "";
    const installed = new Set(aptLine.split(/\s+/));
    // python3 (ftplib) is the emulator's Python, installed with moto, not by apt-get.
    const needed = [...new Set(FTP_CLIENTS.map((c) => c.debianPackage))].filter((p) => p !== "python3");
    expect(needed.filter((p) => !installed.has(p))).toEqual([]);
  });
});

describe("help", () => {
  test("tells users to connect to ftp_host and names the mode every client works with", () => {
    const help = fs.readFileSync(path.join(ROOT, "help"), "utf8");
    expect(help).toContain("ftp_host");
    expect(help).toContain("consumer.dnsName");
    expect(help).toContain('passiveIpMode "consumer-endpoint"');
  });
});
