/**
 * Reads a service's configuration file (YAML or JSON, by its extension) and checks it with
 * `validateServiceConfig`: the file's paths are resolved beside it, and every error names
 * the file, then the log and the field.
 *
 * YAML is read with the 1.2 core schema (no implicit dates or other types: `2026-01-01` is
 * a string until the checker reads it as a date), refusing duplicate keys (two values for
 * one setting, which two readers could take differently) and bounding alias expansion (a
 * few lines that expand to gigabytes).
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { LogError } from '../errors.js';
import { type LogConfig, type ServiceConfig, validateServiceConfig } from '../service/index.js';

/** A configuration file is a few kilobytes per log; this bounds what is read and parsed. */
const MAX_CONFIG_BYTES = 1024 * 1024;

function configError(path: string, message: string): LogError {
  return new LogError('MALFORMED_REQUEST', `${path}: ${message}`, { field: 'config' });
}

/** Parses the file's text as JSON or YAML, by `path`'s extension. */
export function parseServiceConfigText(path: string, text: string): unknown {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw configError(path, `not valid JSON: ${(e as Error).message}`);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: true, strict: true });
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem !== undefined) {
      const line = problem.linePos?.[0]?.line;
      // The parser's message says where too, with the offending lines: keep its first sentence.
      const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw configError(path, `not valid YAML${line === undefined ? '' : ` at line ${line}`}: ${message}`);
    }
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw configError(path, `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw configError(path, 'a configuration file is .yaml, .yml or .json');
}

/** Reads and checks a service configuration file; relative paths in it are taken from its folder. */
export function readServiceConfig(path: string): ServiceConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw configError(path, code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (e as Error).message})`);
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw configError(path, `a configuration file is at most ${MAX_CONFIG_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw configError(path, 'not UTF-8 text');
  }
  const config = validateServiceConfig(parseServiceConfigText(path, text), path);
  const beside = (p: string | undefined) => (p === undefined ? undefined : resolve(dirname(path), p));
  const logs = config.logs.map((log): LogConfig => {
    const keyFile = beside(log.keyFile);
    const codesFile = beside(log.codesFile);
    return { ...log, ...(keyFile !== undefined ? { keyFile } : {}), ...(codesFile !== undefined ? { codesFile } : {}) };
  });
  return { ...config, logs };
}
