/**
 * Entry of one emulator's thread: starts it on a loopback port, reports the URL, answers for its
 * partition counts, and stops when asked. Each emulator gets its own event loop so the gateway,
 * the event sources and the other emulators do not wait behind it, and two cores are both put to work.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startEmulator, type EmulatorKind, type EmulatorOptions } from "./emulator-servers.ts";

/** What the local cloud asks of an emulator's thread once it runs. */
export type EmulatorThreadRequest = { type: "stop" } | { type: "partition-report"; id: number } | { type: "partition-reset"; id: number };

const port = parentPort!;
try {
  const { kind, options } = workerData as { kind: EmulatorKind; options: EmulatorOptions };
  const emulator = await startEmulator(kind, options);
  port.on("message", async (request: EmulatorThreadRequest) => {
    if (request.type === "partition-report") return port.postMessage({ id: request.id, report: emulator.partitions?.report() });
    if (request.type === "partition-reset") return port.postMessage({ id: request.id, report: emulator.partitions?.reset() });
    await emulator.stop();
    port.close();
  });
  port.postMessage({ url: emulator.url });
} catch (error) {
  port.postMessage({ error: (error as Error).stack ?? String(error) });
}
