// The restart's marker protocol, shared by the restart function, the shell
// form (stacks/provider/passive-ip-restart.ts) and the tests: one SSM
// parameter per Transfer server holds the PassiveIp in effect, or this value
// while a restart is under way (it is not an IP address).
export const RESTART_IN_PROGRESS = "restart-in-progress";

/** One parameter per server: a replaced server starts with its own, set to the PassiveIp it was created with. */
export function markerParameterName(namePrefix: string, serverId: string): string {
  return `${markerParameterPath(namePrefix)}/${serverId}/passive-ip-in-effect`;
}

/** The path every server's marker lives under (and nothing else of the stacks). */
export function markerParameterPath(namePrefix: string): string {
  return `/${namePrefix}/transfer`;
}
