// A local server that accepts requests and never answers, for the senders' timeouts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export async function startHangingServer(): Promise<{ origin: string; stop: () => Promise<void> }> {
  const server: Server = createServer(() => {
    // Never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
