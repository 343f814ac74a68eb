// The layout rules docs/design.md ("Project layout") states, checked on the tree itself:
// product code never imports test code (nor the AGPL IAM simulator, which is a
// test-only devDependency), and stacks/ holds only stacks and constructs.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./support/config";

const PRODUCT_DIRS = ["main.ts", "config", "stacks", "lib", "functions", "cli", "synthesis", "emulator", "scripts"];

function filesUnder(entry: string): string[] {
  const full = path.join(PROJECT_ROOT, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [entry];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .flatMap((child) => (child.name === "node_modules" || child.name === "__pycache__" ? [] : filesUnder(path.join(entry, child.name))))
    .filter((file) => /\.(ts|js)$/.test(file));
}

/** Module specifiers of import/export ... from, require() and import() in a file. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
  const specifiers: string[] = [];
  for (const pattern of [/\bfrom\s+["']([^"']+)["']/g, /\brequire\(\s*["']([^"']+)["']\s*\)/g, /\bimport\(\s*["']([^"']+)["']\s*\)/g]) {
    for (const match of text.matchAll(pattern)) specifiers.push(match[1]);
  }
  return specifiers;
}

const productFiles = PRODUCT_DIRS.flatMap(filesUnder);

describe("project layout", () => {
  it("finds the product's files", () => {
    expect(productFiles).toEqual(expect.arrayContaining(["main.ts", "cli/users.ts", "emulator/client.ts", "synthesis/hcl-output.ts"]));
  });

  // The emulator's own patches are test tooling (the launcher the tests and the demo run), not the
  // product: its IAM evaluator process may use the simulator; nothing that ships may.
  const SIMULATOR_ALLOWED = (file: string) => file.startsWith(path.join("emulator", "moto_patches") + path.sep);

  it.each(productFiles)("%s imports nothing from __tests__/ and not the test-only IAM simulator", (file) => {
    const offending = importsOf(file).filter(
      (spec) =>
        (spec.startsWith(".") && path.normalize(path.join(path.dirname(file), spec)).split(path.sep)[0] === "__tests__") ||
        (spec.startsWith("@cloud-copilot/") && !SIMULATOR_ALLOWED(file)),
    );
    expect(offending).toEqual([]);
  });

  it("only the emulator's IAM evaluator uses the simulator, outside the tests", () => {
    const users = productFiles.filter((file) => importsOf(file).some((spec) => spec.startsWith("@cloud-copilot/")));
    expect(users).toEqual([path.join("emulator", "moto_patches", "iam_evaluator.js")]);
  });

  // The app builder (buildApp makes the cdktf App, the root construct) is the one exception.
  const STACK_HELPERS = new Set(["stacks/app.ts"]);

  it.each(filesUnder("stacks").filter((f) => !STACK_HELPERS.has(f)))("%s defines a stack or a construct", (file) => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
    expect(text).toMatch(/export class \w+ extends (TerraformStack|Construct)\b/);
  });
});
