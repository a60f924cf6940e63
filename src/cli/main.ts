#!/usr/bin/env node
/**
 * `sightline <command>`: serve, keygen, partner …, operator …, subject-key, advocate-key, lookup, monitor, witness, mirror, export, verify, fsck.
 * Errors print one line on stderr and exit non-zero; output meant for scripts is on stdout.
 * The commands are in ./run.ts; this executable runs them on this process's streams,
 * environment and signals.
 */
import { processIo } from './io.js';
import { runCli } from './run.js';

// Everything Sightline writes — data directories, keys, state, evidence — is the running
// user's alone, whatever the shell's umask (ensurePrivateDir repairs what older runs made).
process.umask(0o077);

void runCli(process.argv.slice(2), processIo).then((code) => {
  process.exitCode = code;
});
