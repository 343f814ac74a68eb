import { configWith } from "./support/config";
import { deployerPolicies } from "../lib/deployer-policies";
import { consumerCatalog, deniedRequests, providerCatalog } from "./support/deployer-requests";
test("x", async () => {
  const ids = { providerAccountId: "123456789012", consumerAccountId: "210987654321" };
  for (const config of [configWith({ consumer: { dnsName: "ftp.corp.internal" }, provider: { monitoring: { createAlarmTopic: true } } }), configWith({ provider: { restartResource: "lambda", passiveIpMode: "consumer-endpoint" }, consumer: { endpointIp: "10.0.3.50", dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" } })]) {
    const pol = deployerPolicies(config, ids);
    const actionsOf = (d: any) => [...new Set(d.Statement.filter((s: any) => !String(s.Sid).startsWith("LetTransfer")).flatMap((s: any) => [s.Action].flat()))] as string[];
    console.log("provider", JSON.stringify(await deniedRequests(pol["provider-deploy"], "arn:aws:iam::123456789012:role/p", actionsOf(pol["provider-deploy"]), providerCatalog(config, ids)), null, 0));
    console.log("consumer", JSON.stringify(await deniedRequests(pol["consumer-deploy"], "arn:aws:iam::210987654321:role/c", actionsOf(pol["consumer-deploy"]), consumerCatalog(config, ids)), null, 0));
  }
}, 120000);
