// Types of lib/build-stamp.js (plain CommonJS: scripts/run-ts.js uses it before any TypeScript is compiled).
export interface Metafile {
  readonly inputs: Record<string, unknown>;
}
export function reusableOutput(root: string, outputFile: string, key: string): Buffer | undefined;
export function writeStampedOutput(root: string, outputFile: string, key: string, contents: Uint8Array, metafile: Metafile): void;
