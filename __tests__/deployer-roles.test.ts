// The deployer roles the end-to-end suites and `npm run demo` deploy as
// (cli/demo-session.ts): a role keeps the permissions of the config it deployed
// until the next config is applied, so the policies of two configs are merged.
// The merge must grant exactly the union: every action either policy allows on
// its resources, under its conditions, and nothing more.
import { mergePolicies } from "../cli/demo-session";
import { deployerPolicies, PolicyDocument } from "../lib/deployer-policies";
import { configWith, TWO_AZ } from "./support/config";

const IDS = { providerAccountId: "123456789012", consumerAccountId: "123456789012" };

/** Every (effect, action, resource set, condition) a document grants, as comparable strings. */
function grants(document: PolicyDocument): Set<string> {
  const out = new Set<string>();
  for (const s of document.Statement) {
    for (const action of [s.Action].flat()) {
      for (const resource of [s.Resource ?? null].flat()) out.add(JSON.stringify([s.Effect, action, s.Principal ?? null, resource, s.Condition ?? null]));
    }
  }
  return out;
}

describe("mergePolicies (deployer roles across a config change)", () => {
  test("grants exactly the union of the two documents", () => {
    const before = deployerPolicies(configWith({ consumer: { client: { enabled: true } } }), IDS)["consumer-deploy"];
    const after = deployerPolicies(configWith({ consumer: { client: { enabled: false }, dnsName: "ftp.corp.internal" } }), IDS)["consumer-deploy"];
    const merged = mergePolicies(before, after);
    expect(grants(merged)).toEqual(new Set([...grants(before), ...grants(after)]));
    // Statements with the same resources and conditions are folded, not repeated.
    expect(merged.Statement.length).toBeLessThan(before.Statement.length + after.Statement.length);
    const sids = merged.Statement.map((s) => s.Sid).filter(Boolean);
    expect(new Set(sids).size).toBe(sids.length);
  });

  test("a change that moves subnets folds the new resources into the same statements, within IAM's inline policy size", () => {
    const one = configWith();
    const two = configWith({ ...TWO_AZ, provider: { ...TWO_AZ.provider, restartResource: "lambda" } });
    for (const [before, after] of [[one, two], [two, one]]) {
      const [a, b] = [deployerPolicies(before, IDS)["provider-deploy"], deployerPolicies(after, IDS)["provider-deploy"]];
      const merged = mergePolicies(a, b);
      expect(grants(merged)).toEqual(new Set([...grants(a), ...grants(b)]));
      // IAM user guide, IAM and STS quotas: a role's inline policies, 10,240 characters in all (whitespace not counted).
      expect(JSON.stringify(merged).length).toBeLessThanOrEqual(10_240);
    }
  });

  test("merging a document with itself changes nothing", () => {
    const policy = deployerPolicies(configWith(), IDS)["provider-deploy"];
    expect(grants(mergePolicies(policy, policy))).toEqual(grants(policy));
    expect(mergePolicies(policy, policy).Statement).toHaveLength(policy.Statement.length);
  });
});
