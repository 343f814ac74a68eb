// The config whose deployer policies README "Cross-account" shows: the
// README's two-account config (single AZ, pinned NLB IP, no client instance),
// provider account A, consumer account B.
import { DeployerIds } from "../../lib/deployer-policies";
import { configWith } from "./config";

export const README_IDS: DeployerIds = { providerAccountId: "123456789012", consumerAccountId: "210987654321" };

export const README_CONFIG = configWith({
  provider: {
    allowedPrincipals: [`arn:aws:iam::${README_IDS.consumerAccountId}:root`],
    userAdministratorArns: [`arn:aws:iam::${README_IDS.providerAccountId}:role/ftp-user-admin`],
  },
  consumer: {
    client: { enabled: false },
    assumeRoleArn: `arn:aws:iam::${README_IDS.consumerAccountId}:role/ftp-consumer-deploy`,
    serviceOwnerRoleArn: `arn:aws:iam::${README_IDS.providerAccountId}:role/ftp-privatelink-acceptor`,
  },
});
