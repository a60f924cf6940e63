/**
 * A store that owns the database handle it is given (the witness's and the mirror's): it
 * answers `ping` for /readyz, closes the handle with `close`, and runs every statement through
 * `run`, which refuses once closed and maps a driver's error to a LogError naming what failed.
 */
import { sql } from 'drizzle-orm';
import { LogError } from '../errors.js';
import { mapDatabaseError } from './database-errors.js';
import type { Database } from './db.js';

export abstract class OwnedDatabase {
  protected readonly db: Database;
  readonly #close: () => Promise<void>;
  readonly #name: string;
  #closed = false;

  /** `handle.close()` is called by `close()`: the store owns the database it is given. `name` says which store it is in errors. */
  constructor(handle: { readonly db: Database; close(): Promise<void> }, name: string) {
    this.db = handle.db;
    this.#close = () => handle.close();
    this.#name = name;
  }

  /** Checks that the database answers. */
  async ping(): Promise<void> {
    await this.run('pinging the database', () => this.db.execute(sql`select 1`));
  }

  /** Closes the database handle it was given; later calls fail with UNAVAILABLE. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#close();
  }

  protected async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new LogError('UNAVAILABLE', `the ${this.#name} is closed`);
    try {
      return await fn();
    } catch (e) {
      throw mapDatabaseError(e, what);
    }
  }
}
