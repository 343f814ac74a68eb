// The stand-in's log: one JSON line per event on stdout (a session opened, each
// FTP command and reply with the password masked, a login and the identity
// provider's refusal reason, a transfer), so a test can tell what the server
// saw - as Transfer's own CloudWatch logs would, in a shape of our own.
export class TransferLog {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  write(fields: Record<string, unknown>): void {
    const line: Record<string, unknown> = { time: new Date().toISOString() };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) line[key] = value;
    this.out.write(`${JSON.stringify(line)}\n`);
  }
}
