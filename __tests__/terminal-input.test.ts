import { ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";
import { PassThrough } from "stream";
import {
  askWithoutEcho,
  awsErrorName,
  CommandError,
  EXIT_CANCELLED,
  hasControlCharacters,
  readFirstLine,
  readSecretFromProcess,
} from "../cli/terminal-input";

/**
 * A terminal in raw mode, faked: input is a PassThrough with isTTY, isRaw and
 * setRawMode; `events` records mode changes and what is shown, in order.
 */
function fakeTerminal(initiallyRaw = false) {
  const events: string[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: initiallyRaw,
    modes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.isRaw = mode;
      input.modes.push(mode);
      events.push(`raw ${mode}`);
    },
  });
  const output = new PassThrough();
  let shown = "";
  output.on("data", (d: Buffer) => {
    shown += d.toString();
    events.push(`shown ${JSON.stringify(d.toString())}`);
  });
  return { input, output, events, shown: () => shown };
}

/** Asks on a fake terminal and types `chunks`, each arriving as one read (as keys do). */
function typeOnTerminal(chunks: string[], initiallyRaw = false) {
  const terminal = fakeTerminal(initiallyRaw);
  const answer = askWithoutEcho("Password: ", terminal.input, terminal.output);
  for (const chunk of chunks) terminal.input.write(chunk);
  return { ...terminal, answer };
}

/** Standard input redirected from a pipe or file: no isTTY, no raw mode. */
const fakePipe = () => new PassThrough();

describe("readFirstLine", () => {
  /** readFirstLine of a stream that receives `chunks`, one write each, then ends if `end`. */
  function firstLineOf(chunks: Array<string | Buffer>, end: boolean) {
    const input = new PassThrough();
    const line = readFirstLine(input);
    for (const chunk of chunks) input.write(chunk);
    if (end) input.end();
    return { input, line };
  }
  const utf8 = Buffer.from("pässwörd-✓\n", "utf8");

  it.each([
    ["the first line without its CRLF, across chunks", ["pass", "word-1\r\nsecond line\n"], false, "password-1"],
    ["spaces and commas kept, a line ended by LF alone", [" pass word,1 \nsecond line\n"], false, " pass word,1 "],
    ["a last line without a newline", ["last-line-without-newline"], true, "last-line-without-newline"],
    ["a last line without a newline, its CR dropped", ["only-line\r"], true, "only-line"],
    ["an empty first line as an empty string", ["\r\nsecond\n"], true, ""],
    ["undefined for empty input", [], true, undefined],
    ["UTF-8 split between chunks", [utf8.subarray(0, 2), utf8.subarray(2)], false, "pässwörd-✓"],
  ])("returns %s", async (_label, chunks, end, expected) => {
    await expect(firstLineOf(chunks, end).line).resolves.toBe(expected);
  });

  it("stops reading after the line: its listeners are gone and the stream is paused", async () => {
    const { input, line } = firstLineOf(["one\ntwo\n"], false);
    await line;
    expect(input.listenerCount("data")).toBe(0);
    expect(input.listenerCount("end")).toBe(0);
    expect(input.listenerCount("error")).toBe(0);
    expect(input.isPaused()).toBe(true);
  });

  it("rejects when the stream fails", async () => {
    const { input, line } = firstLineOf([], false);
    input.destroy(new Error("EIO: read failed"));
    await expect(line).rejects.toThrow("EIO: read failed");
  });
});

describe("askWithoutEcho", () => {
  it("reads without echo, handles backspace, and restores the terminal", async () => {
    const t = typeOnTerminal(["secret-x", "\u007fY\r"]);
    await expect(t.answer).resolves.toBe("secret-Y");
    expect(t.shown()).toBe("Password: \n");
    expect(t.input.modes).toEqual([true, false]);
  });

  it("turns echo off before the prompt shows", async () => {
    const t = typeOnTerminal(["x\r"]);
    await t.answer;
    expect(t.events).toEqual(["raw true", 'shown "Password: "', "raw false", 'shown "\\n"']);
  });

  it.each([
    ["CR", "abc\r"],
    ["LF", "abc\n"],
    ["CRLF", "abc\r\n"],
  ])("ends the line at %s and ignores what follows in the same chunk", async (_label, typed) => {
    const t = typeOnTerminal([`${typed}more`]);
    await expect(t.answer).resolves.toBe("abc");
    expect(t.input.listenerCount("data")).toBe(0);
    expect(t.input.isPaused()).toBe(true);
  });

  it("returns an empty string for Enter alone (the caller decides what that means)", async () => {
    await expect(typeOnTerminal(["\r"]).answer).resolves.toBe("");
  });

  it("cancels on Ctrl-C with exit code 130 and restores the terminal", async () => {
    const t = typeOnTerminal(["abc\u0003"]);
    const error = await t.answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ message: "cancelled", exitCode: EXIT_CANCELLED });
    expect(EXIT_CANCELLED).toBe(130);
    expect(t.input.isRaw).toBe(false);
    expect(t.shown()).toBe("Password: \n");
  });

  it("cancels on Ctrl-D on an empty line, and ignores Ctrl-D after some text", async () => {
    const cancelled = typeOnTerminal(["\u0004"]);
    await expect(cancelled.answer).rejects.toMatchObject({ message: "cancelled", exitCode: 130 });
    expect(cancelled.input.isRaw).toBe(false);
    await expect(typeOnTerminal(["ab\u0004c\r"]).answer).resolves.toBe("abc");
  });

  it("clears the line on Ctrl-U, drops escape sequences and other control characters", async () => {
    // The arrow keys' chunk is dropped whole.
    await expect(typeOnTerminal(["wrong\u0015ri", "\u001b[D\u001b[D", "g\tht\u0007\r"]).answer).resolves.toBe("right");
  });

  it("deletes whole characters, not UTF-16 halves", async () => {
    await expect(typeOnTerminal(["pw-🔑🔒\bé\r"]).answer).resolves.toBe("pw-🔑é");
  });

  it("puts back a terminal that was already in raw mode", async () => {
    const t = typeOnTerminal(["x\r"], true);
    await t.answer;
    expect(t.input.modes).toEqual([true, true]);
    expect(t.input.isRaw).toBe(true);
  });
});

describe("readSecretFromProcess", () => {
  it("on a terminal, shows the prompt and reads without echo", async () => {
    const t = fakeTerminal();
    const secret = readSecretFromProcess("FTP password: ", { input: t.input, output: t.output });
    t.input.write("typed-secret\r");
    await expect(secret).resolves.toBe("typed-secret");
    expect(t.shown()).toBe("FTP password: \n");
    expect(t.input.modes).toEqual([true, false]);
    expect(t.input.destroyed).toBe(false); // a terminal can be asked again
  });

  it("from a pipe, reads the first line without a prompt, then closes the input", async () => {
    const input = fakePipe();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => (shown += d.toString()));
    const secret = readSecretFromProcess("FTP password: ", { input, output });
    input.write("piped-secret\r\nnot read\n");
    await expect(secret).resolves.toBe("piped-secret");
    expect(shown).toBe("");
    expect(input.destroyed).toBe(true);
  });

  it("from an empty pipe, returns undefined", async () => {
    const input = fakePipe();
    const secret = readSecretFromProcess("FTP password: ", { input, output: new PassThrough() });
    input.end();
    await expect(secret).resolves.toBeUndefined();
  });
});

describe("CommandError", () => {
  it("is an Error with a message shown as is and exit code 1 unless given", () => {
    const plain = new CommandError("user alice not found");
    expect(plain).toBeInstanceOf(Error);
    expect(plain).toMatchObject({ name: "CommandError", message: "user alice not found", exitCode: 1 });
    expect(new CommandError("usage", 2).exitCode).toBe(2);
  });
});

describe("awsErrorName", () => {
  it("names SDK exceptions and errors renamed by the SDK mock, and is empty for anything else", () => {
    expect(awsErrorName(new ResourceNotFoundException({ message: "not found", $metadata: {} }))).toBe("ResourceNotFoundException");
    expect(awsErrorName(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))).toBe("ThrottlingException");
    expect(awsErrorName({ name: "InvocationDoesNotExist" })).toBe("InvocationDoesNotExist");
    for (const other of [undefined, null, "ResourceNotFoundException", 42, {}, { name: 7 }]) expect(awsErrorName(other)).toBe("");
  });
});

describe("hasControlCharacters", () => {
  it("finds C0 control characters and DEL, not spaces, punctuation or non-ASCII letters", () => {
    for (const bad of ["tab\there", "line\n", "cr\r", "nul\u0000", "del\u007f", "esc\u001b"]) expect(hasControlCharacters(bad)).toBe(true);
    for (const good of ["S3cret pass,with'quote\"s", "pässwörd-✓", "🔑 key", ""]) expect(hasControlCharacters(good)).toBe(false);
  });
});
