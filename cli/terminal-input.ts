// What the project's command-line tools (cli/users-command.ts, `npm run users`;
// cli/smoke-command.ts, `npm run smoke`) share: reading a secret without
// echo on a terminal or as the first line of piped standard input, the error
// that carries a message and an exit code, and the AWS error name. Importable
// without side effects; every stream is a parameter, so the tests drive it
// with fakes.

/** Exit code when the user cancels (Ctrl-C, or Ctrl-D on an empty line): 128 + SIGINT, as a shell reports it. */
export const EXIT_CANCELLED = 130;

/** An error whose message is shown to the user as is, with the exit code the command ends with. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The command's usage, printed before the message (so the message stays on screen, last). */
    readonly usage?: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** The name of an error the AWS SDK threw (e.g. "ResourceNotFoundException"); "" for anything without one. */
export function awsErrorName(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" ? name : "";
}

/** True if the text holds a control character (C0 or DEL): FTP sends a password as one line, `PASS ...\r\n`. */
export function hasControlCharacters(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** What askWithoutEcho needs of a terminal: process.stdin on a TTY, or a test's fake. */
export interface RawModeInput extends NodeJS.ReadableStream {
  readonly isRaw?: boolean;
  setRawMode(mode: boolean): unknown;
}

/** Standard input as readSecretFromProcess sees it: a terminal (isTTY, raw mode) or a pipe or file. */
export interface ProcessInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  destroy(): unknown;
}

export interface SecretStreams {
  readonly input: ProcessInput;
  /** Where the prompt goes: standard error, so that standard output stays the command's own. */
  readonly output: NodeJS.WritableStream;
}

/**
 * Reads a line from a terminal without echoing it. Enter (CR or LF) ends it;
 * backspace/DEL removes a character, Ctrl-U the whole line, an escape sequence
 * (arrow keys...) is dropped; Ctrl-C, or Ctrl-D on an empty line, rejects with
 * CommandError("cancelled", 130). The terminal's mode is restored either way.
 */
export function askWithoutEcho(prompt: string, input: RawModeInput, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = "";
    const wasRaw = input.isRaw ?? false;
    // Echo off before the prompt shows, so that nothing typed after it is echoed.
    input.setRawMode(true);
    input.setEncoding("utf8");
    output.write(prompt);
    const finish = (error?: Error) => {
      input.removeListener("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003" || (ch === "\u0004" && value === "")) return finish(new CommandError("cancelled", EXIT_CANCELLED));
        if (ch === "\u007f" || ch === "\b") value = Array.from(value).slice(0, -1).join("");
        else if (ch === "\u0015") value = "";
        else if (ch === "\u001b") return; // an escape sequence: drop the rest of the chunk
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}

/**
 * Reads the first line of a stream, without its line ending (LF or CRLF), then
 * stops reading. A last line without a newline counts; empty input is undefined.
 */
export function readFirstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const cleanup = () => {
      input.removeListener("data", onData);
      input.removeListener("end", onEnd);
      input.removeListener("error", onError);
      input.pause();
    };
    const onData = (chunk: string | Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf("\n");
      if (newline !== -1) {
        cleanup();
        resolve(buffer.slice(0, newline).replace(/\r$/, ""));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(buffer === "" ? undefined : buffer.replace(/\r$/, ""));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    input.setEncoding("utf8");
    input.on("data", onData);
    input.on("end", onEnd);
    input.on("error", onError);
    input.resume();
  });
}

/** True when standard input is a terminal (a secret is then typed, not piped). */
export function isTerminal(input: ProcessInput = process.stdin): input is ProcessInput & RawModeInput {
  return input.isTTY === true && typeof input.setRawMode === "function";
}

/**
 * One secret for a real run: asked without echo on a terminal (prompt on
 * standard error), else the first line of standard input, which is then closed
 * (undefined when it is empty). The caller decides how often to ask and what an
 * empty or missing secret means.
 */
export async function readSecretFromProcess(
  prompt: string,
  streams: SecretStreams = { input: process.stdin, output: process.stderr },
): Promise<string | undefined> {
  const { input, output } = streams;
  if (isTerminal(input)) return askWithoutEcho(prompt, input, output);
  const line = await readFirstLine(input);
  input.destroy();
  return line;
}
