// The cryptography a Transfer security policy allows (Transfer user guide,
// "Working with security policies"): FTPS is TLS 1.2 ("We support TLS 1.2")
// with the listed cipher suites; SFTP uses the listed key exchanges, ciphers
// and MACs. The archived guide (awsdocs/aws-transfer-user-guide) lists
// 2018-11, 2020-06, 2022-03 and FIPS-2020-06; for the newer policies the
// stand-in uses 2022-03's lists, the strictest documented there (a newer
// policy's own list is not checked here: only real Transfer shows it).
export interface PolicyAlgorithms {
  /** OpenSSL cipher names of the allowed TLS 1.2 suites. */
  readonly tlsCiphers: readonly string[];
  readonly ssh: {
    readonly kex: readonly string[];
    readonly cipher: readonly string[];
    readonly hmac: readonly string[];
  };
}

const ECDHE_TLS = [
  "ECDHE-ECDSA-AES128-SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-SHA384",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES256-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
];
const RSA_TLS = ["AES128-SHA256", "AES256-SHA256"];

const MACS_2022 = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-512"];

const POLICY_2022_03: PolicyAlgorithms = {
  tlsCiphers: ECDHE_TLS,
  ssh: {
    kex: [
      "curve25519-sha256",
      "curve25519-sha256@libssh.org",
      "diffie-hellman-group16-sha512",
      "diffie-hellman-group18-sha512",
      "diffie-hellman-group-exchange-sha256",
    ],
    cipher: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes192-ctr", "aes256-ctr"],
    hmac: MACS_2022,
  },
};

const POLICY_2020_06: PolicyAlgorithms = {
  tlsCiphers: ECDHE_TLS,
  ssh: {
    kex: [
      "ecdh-sha2-nistp256",
      "ecdh-sha2-nistp384",
      "ecdh-sha2-nistp521",
      "diffie-hellman-group14-sha256",
      "diffie-hellman-group16-sha512",
      "diffie-hellman-group18-sha512",
      "diffie-hellman-group-exchange-sha256",
    ],
    cipher: ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr"],
    hmac: [...MACS_2022, "umac-128-etm@openssh.com", "umac-128@openssh.com"],
  },
};

const POLICY_2018_11: PolicyAlgorithms = {
  tlsCiphers: [...ECDHE_TLS, ...RSA_TLS],
  ssh: {
    kex: [...POLICY_2022_03.ssh.kex, ...POLICY_2020_06.ssh.kex.filter((k) => !POLICY_2022_03.ssh.kex.includes(k)), "diffie-hellman-group14-sha1"],
    cipher: POLICY_2020_06.ssh.cipher,
    hmac: [...POLICY_2020_06.ssh.hmac, "hmac-sha1-etm@openssh.com", "hmac-sha1", "umac-64-etm@openssh.com", "umac-64@openssh.com"],
  },
};

const FIPS_2020_06: PolicyAlgorithms = {
  tlsCiphers: ECDHE_TLS,
  ssh: { kex: POLICY_2020_06.ssh.kex, cipher: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr"], hmac: MACS_2022 },
};

export function policyAlgorithms(name: string): PolicyAlgorithms {
  switch (name) {
    case "TransferSecurityPolicy-2018-11":
      return POLICY_2018_11;
    case "TransferSecurityPolicy-2020-06":
      return POLICY_2020_06;
    case "TransferSecurityPolicy-FIPS-2020-06":
      return FIPS_2020_06;
    default:
      return POLICY_2022_03;
  }
}
