/**
 * CSV as public bodies' files are (RFC 4180, and what spreadsheets add to it): a UTF-8 byte
 * order mark, Windows, Unix or old Mac line ends, fields in double quotes with `""` for a
 * quote and line breaks inside, and blank lines. Read a chunk at a time, so a file of a
 * million lines never has to be one string; each row comes with the line of the file it
 * starts on, for reports a person can find.
 *
 * Strict where a lenient reading would guess: a quote inside an unquoted field, or text
 * after a closing quote, is refused with its line rather than read one way or another.
 */
import { LogError } from '../errors.js';

export interface CsvRow {
  /** The line of the file the row starts on, from 1. */
  readonly line: number;
  readonly cells: readonly string[];
}

/** The most characters one field may have: far past any published cell, it bounds a runaway quote. */
const MAX_FIELD = 64 * 1024;

type State = 'start' | 'plain' | 'quoted' | 'quote-in-quoted';

export class CsvReader {
  #state: State = 'start';
  #field = '';
  #cells: string[] = [];
  /** The line the current row started on, and the line being read. */
  #rowLine = 1;
  #line = 1;
  #first = true;
  /** A carriage return ended the last chunk: a line feed starting the next one belongs to it. */
  #pendingCr = false;

  /** The rows completed by `chunk`. */
  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let i = 0;
    if (this.#first && chunk.length > 0) {
      this.#first = false;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (chunk[i] === '\n') i++;
    }
    // Text decoded from bytes that are not UTF-8 holds U+FFFD where they were: a spreadsheet's
    // Windows-1252 "£" would become one. Refused, rather than read as a guess.
    const replaced = chunk.indexOf('\uFFFD', i);
    const end = replaced < 0 ? chunk.length : replaced;
    for (; i < end; i++) {
      const c = chunk[i]!;
      switch (this.#state) {
        case 'start':
        case 'plain':
          if (this.#state === 'start' && c === '"') {
            this.#state = 'quoted';
            continue;
          }
          this.#state = 'plain';
          if (c === ',') this.#endField();
          else if (c === '\r' || c === '\n') i = this.#endLine(chunk, i, rows);
          else if (c === '"') throw this.#bad('has a quote inside an unquoted field', 'put the field in double quotes and double the quotes inside it');
          else this.#add(c);
          continue;
        case 'quoted':
          if (c === '"') this.#state = 'quote-in-quoted';
          else {
            if (c === '\n' || (c === '\r' && chunk[i + 1] !== '\n')) this.#line++;
            this.#add(c);
          }
          continue;
        case 'quote-in-quoted':
          if (c === '"') {
            this.#add('"');
            this.#state = 'quoted';
          } else if (c === ',') this.#endField();
          else if (c === '\r' || c === '\n') i = this.#endLine(chunk, i, rows);
          else throw this.#bad('has text after a closing quote', 'a quoted field ends at its closing quote, before a comma or the end of the line');
          continue;
      }
    }
    if (replaced >= 0) throw this.#bad('is not UTF-8 text', 'save the file as "CSV UTF-8" (a spreadsheet may have saved it as Windows-1252)');
    return rows;
  }

  /** The last row, if the file does not end with a line break. */
  end(): CsvRow[] {
    if (this.#state === 'quoted') throw this.#bad('ends inside a quoted field', 'a quote opened on this line is never closed');
    if (this.#state === 'start' && this.#cells.length === 0) return [];
    this.#endField();
    return this.#takeRow();
  }

  #add(c: string): void {
    if (this.#field.length >= MAX_FIELD) throw this.#bad(`has a field over ${MAX_FIELD} characters`, 'a quote is probably not closed');
    this.#field += c;
  }

  #endField(): void {
    this.#cells.push(this.#field);
    this.#field = '';
    this.#state = 'start';
  }

  /** Ends the row at a line break at `i` (CR, LF or CRLF); returns the index of its last character. */
  #endLine(chunk: string, i: number, rows: CsvRow[]): number {
    this.#endField();
    rows.push(...this.#takeRow());
    let end = i;
    if (chunk[i] === '\r') {
      if (i + 1 < chunk.length) {
        if (chunk[i + 1] === '\n') end = i + 1;
      } else this.#pendingCr = true;
    }
    this.#line++;
    this.#rowLine = this.#line;
    return end;
  }

  /** The row read, unless it is blank (a line with nothing, or only commas). */
  #takeRow(): CsvRow[] {
    const cells = this.#cells;
    const line = this.#rowLine;
    this.#cells = [];
    this.#state = 'start';
    return cells.every((c) => c.trim() === '') ? [] : [{ line, cells }];
  }

  #bad(what: string, hint: string): LogError {
    return new LogError('MALFORMED_REQUEST', `line ${this.#line} ${what}`, { field: `line ${this.#line}`, hint });
  }
}

/** Every row of a whole text. */
export function parseCsv(text: string): CsvRow[] {
  const reader = new CsvReader();
  return [...reader.push(text), ...reader.end()];
}
