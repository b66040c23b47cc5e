/**
 * Entry of one emulator's thread: starts it on a loopback port, reports the URL, and stops it when
 * asked. Each emulator gets its own event loop so the gateway, the event sources and the other
 * emulators do not wait behind it, and two cores are both put to work.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startEmulator, type EmulatorKind } from "./emulator-servers.ts";

const port = parentPort!;
try {
  const emulator = await startEmulator((workerData as { kind: EmulatorKind }).kind);
  port.once("message", async () => {
    await emulator.stop();
    port.close();
  });
  port.postMessage({ url: emulator.url });
} catch (error) {
  port.postMessage({ error: (error as Error).stack ?? String(error) });
}
