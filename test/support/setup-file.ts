/** Runs in every test file: undo what the file started, however its tests ended. */
import { afterAll } from 'vitest';
import { runCleanups } from './cleanup.js';

afterAll(runCleanups);
