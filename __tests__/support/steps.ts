// Ordered steps of an end-to-end scenario (one emulator, one working copy):
// once a step fails, the later ones fail at once with a pointer to it,
// instead of piling up errors about a deployment that is not there.

export const STEP_TIMEOUT_MS = 6 * 60_000;

export function stepper(): (name: string, body: () => Promise<void>, timeout?: number) => void {
  let failed: string | undefined;
  return (name, body, timeout = STEP_TIMEOUT_MS) =>
    test(
      name,
      async () => {
        if (failed) throw new Error(`not run: the earlier step "${failed}" failed`);
        try {
          await body();
        } catch (error) {
          failed = name;
          throw error;
        }
      },
      timeout,
    );
}
