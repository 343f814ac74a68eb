import { configWith } from "./support/config";
import { deployerPolicies } from "../lib/deployer-policies";
import { decideRequest } from "./support/deployer-requests";
test("x", async () => {
  const ids = { providerAccountId: "123456789012", consumerAccountId: "210987654321" };
  const pol = deployerPolicies(configWith(), ids)["provider-deploy"];
  console.log(JSON.stringify(pol.Statement.find((s) => s.Sid === "ManageTheUserSecretsKey")));
  console.log(await decideRequest(pol, "arn:aws:iam::123456789012:role/p", "kms:DescribeKey", "arn:aws:kms:ap-northeast-1:123456789012:key/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b", {}));
  console.log(await decideRequest({Version:"2012-10-17",Statement:[{Effect:"Allow",Action:"kms:DescribeKey",Resource:"arn:aws:kms:ap-northeast-1:123456789012:key/*"}]}, "arn:aws:iam::123456789012:role/p", "kms:DescribeKey", "arn:aws:kms:ap-northeast-1:123456789012:key/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b", {}));
  for (const r of ["arn:aws:ssm:ap-northeast-1:aws:parameter/aws/service/x", "arn:aws:ssm:ap-northeast-1:*:parameter/aws/service/x"]) { try { console.log(r, await decideRequest({Version:"2012-10-17",Statement:[{Effect:"Allow",Action:"ssm:GetParameter",Resource:"arn:aws:ssm:ap-northeast-1::parameter/aws/service/*"}]}, "arn:aws:iam::123456789012:role/p", "ssm:GetParameter", r, {})); } catch (e) { console.log(r, String(e).slice(0,200)); } }
});
