import { expect } from 'vitest';
import { type LogErrorCode, LogError } from '../../src/errors.js';

/** Runs `fn` and asserts it throws a `LogError` with `code`; returns the error. */
export function expectLogError(fn: () => unknown, code: LogErrorCode): LogError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected LogError ${code}, nothing was thrown`).toBeInstanceOf(LogError);
  expect((thrown as LogError).code, (thrown as Error).message).toBe(code);
  return thrown as LogError;
}
