// Transfer Family's FTP ports: 21 for the control connection and a fixed
// passive range 8192-8200 for data connections (not configurable on AWS).
export const FTP_CONTROL_PORT = 21;
export const FTP_PASSIVE_PORT_FIRST = 8192;
export const FTP_PASSIVE_PORT_LAST = 8200;

/** Every port the NLB listens on: 21, 8192, 8193, ..., 8200 (10 ports). */
export const FTP_LISTENER_PORTS: readonly number[] = [
  FTP_CONTROL_PORT,
  ...Array.from({ length: FTP_PASSIVE_PORT_LAST - FTP_PASSIVE_PORT_FIRST + 1 }, (_, i) => FTP_PASSIVE_PORT_FIRST + i),
];

export interface PortRange {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly description: string;
}

/** The same ports as security group rule ranges. */
export const FTP_PORT_RANGES: readonly PortRange[] = [
  { name: "control", from: FTP_CONTROL_PORT, to: FTP_CONTROL_PORT, description: "FTP control (21)" },
  {
    name: "passive",
    from: FTP_PASSIVE_PORT_FIRST,
    to: FTP_PASSIVE_PORT_LAST,
    description: `FTP passive data (${FTP_PASSIVE_PORT_FIRST}-${FTP_PASSIVE_PORT_LAST})`,
  },
];

// ---- protocols -------------------------------------------------------
// Transfer Family serves FTP and FTPS on 21 + 8192-8200 (FTPS is explicit TLS:
// AUTH TLS on the control port, the same passive range) and SFTP on 22 (Transfer
// user guide, "Create an FTPS-enabled server" / "Create an SFTP-enabled server").

export type ServerProtocol = "FTP" | "FTPS" | "SFTP";
export const SERVER_PROTOCOLS: readonly ServerProtocol[] = ["FTP", "FTPS", "SFTP"];
export const SFTP_PORT = 22;

/** FTP or FTPS is on: the control port and the passive range are needed, and PassiveIp applies. */
export function usesFtpPorts(protocols: readonly ServerProtocol[]): boolean {
  return protocols.includes("FTP") || protocols.includes("FTPS");
}

/** The NLB's listener ports for a protocol set: 21 and 8192-8200 for FTP/FTPS, 22 for SFTP. */
export function listenerPortsFor(protocols: readonly ServerProtocol[]): readonly number[] {
  return [...(usesFtpPorts(protocols) ? FTP_LISTENER_PORTS : []), ...(protocols.includes("SFTP") ? [SFTP_PORT] : [])];
}

/** The security group rule ranges for a protocol set. */
export function portRangesFor(protocols: readonly ServerProtocol[]): readonly PortRange[] {
  return [
    ...(usesFtpPorts(protocols) ? FTP_PORT_RANGES : []),
    ...(protocols.includes("SFTP") ? [{ name: "sftp", from: SFTP_PORT, to: SFTP_PORT, description: `SFTP (${SFTP_PORT})` }] : []),
  ];
}

/**
 * The port every target group's health check probes: 21 while FTP or FTPS is
 * on (AWS advises 21 for Transfer behind an NLB: the passive ports only answer
 * inside an FTP session), else 22 (SFTP only: nothing listens on 21). One port
 * for all groups, so that every group reports the endpoint's health the same way.
 */
export function healthCheckPortFor(protocols: readonly ServerProtocol[]): number {
  return usesFtpPorts(protocols) ? FTP_CONTROL_PORT : SFTP_PORT;
}
