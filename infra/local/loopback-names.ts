import dns from "node:dns";

/**
 * RFC 6761: names under .localhost are loopback. Some resolvers (glibc) do not say so, and fauxqs's
 * queue URLs (sqs.<region>.localhost), which the SQS client follows, must reach the emulator. Patches
 * this process's (or thread's) dns.lookup, as the local cloud's Lambda threads and in-process tests need.
 */
export function resolveLoopbackNames(): void {
  const systemLookup = dns.lookup;
  dns.lookup = ((hostname: string, options: unknown, callback?: unknown) => {
    const done = (typeof options === "function" ? options : callback) as (...args: unknown[]) => void;
    if (hostname.endsWith(".localhost")) {
      const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all;
      process.nextTick(() => (all ? done(null, [{ address: "127.0.0.1", family: 4 }]) : done(null, "127.0.0.1", 4)));
      return;
    }
    return (systemLookup as (...args: unknown[]) => void)(hostname, options, callback);
  }) as typeof dns.lookup;
}
