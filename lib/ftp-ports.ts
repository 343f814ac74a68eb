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
