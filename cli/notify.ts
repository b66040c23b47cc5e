#!/usr/bin/env node
import { runNotifyCli } from "./program.ts";

process.exitCode = await runNotifyCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text),
  progressStream: process.stderr,
});
