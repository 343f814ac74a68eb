// Transfer's passive data ports: 8192-8200, shared by every FTP/FTPS session
// of the server (Transfer user guide, "Create an FTP-enabled server": the
// security group must allow 21 and 8192-8200). A PASV/EPSV takes a free port
// and listens on it until the client connects, the session ends or the wait
// runs out; the first connection from the control connection's address is the
// session's data connection (others are dropped), so another client cannot
// take over a transfer.
import * as net from "net";

export const PASSIVE_PORTS: readonly number[] = [8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200];
const CONNECT_WAIT_MS = 30_000;

export interface PassiveListener {
  readonly port: number;
  /** The data connection, or undefined if none came within the wait (or it was closed). */
  readonly connection: Promise<net.Socket | undefined>;
  close(): void;
}

export class PassivePorts {
  private readonly busy = new Set<number>();
  private next = 0;

  constructor(private readonly address: string) {}

  /** Listens on a free port for a connection from `peer`; undefined when all nine are in use. */
  async open(peer: string): Promise<PassiveListener | undefined> {
    for (let attempt = 0; attempt < PASSIVE_PORTS.length; attempt++) {
      const port = PASSIVE_PORTS[(this.next + attempt) % PASSIVE_PORTS.length];
      if (this.busy.has(port)) continue;
      this.busy.add(port);
      const server = net.createServer({ pauseOnConnect: true });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen({ port, host: this.address, exclusive: true }, () => resolve());
        });
      } catch {
        this.busy.delete(port);
        continue; // still held by an earlier session's closing listener
      }
      this.next = (this.next + attempt + 1) % PASSIVE_PORTS.length;
      let settle: (socket: net.Socket | undefined) => void = () => undefined;
      const connection = new Promise<net.Socket | undefined>((resolve) => (settle = resolve));
      const release = () => {
        clearTimeout(timer);
        server.close();
        this.busy.delete(port);
      };
      const timer = setTimeout(() => {
        release();
        settle(undefined);
      }, CONNECT_WAIT_MS);
      server.on("connection", (socket: net.Socket) => {
        if (socket.remoteAddress !== peer) {
          socket.destroy();
          return;
        }
        release();
        settle(socket);
      });
      server.on("error", () => undefined);
      return {
        port,
        connection,
        close: () => {
          release();
          settle(undefined);
        },
      };
    }
    return undefined;
  }
}
