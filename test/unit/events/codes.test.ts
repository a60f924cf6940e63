/**
 * Code lists: the default set is clean (every code and label passes the code pattern and
 * the personal-data linter), the parser round-trips it, and every refusal names its field
 * without quoting a code that looks like personal data.
 */
import { describe, expect, test } from 'vitest';
import { decodeUtf8 } from '../../../src/encoding/index.js';
import {
  CODE_LIST_NAMES,
  CODE_MAX_LENGTH,
  type CodeLists,
  DEFAULT_CODES,
  LABEL_MAX_LENGTH,
  codeListsBytes,
  isCode,
  lintPersonalData,
  parseCodeLists,
} from '../../../src/events/index.js';
import { expectLogError } from '../../support/errors.js';

const entries = CODE_LIST_NAMES.flatMap((list) => Object.entries(DEFAULT_CODES[list]).map(([code, label]) => [list, code, label] as const));

describe('DEFAULT_CODES', () => {
  test('has exactly the seven lists, none empty', () => {
    expect(Object.keys(DEFAULT_CODES)).toEqual([...CODE_LIST_NAMES]);
    for (const list of CODE_LIST_NAMES) expect(Object.keys(DEFAULT_CODES[list]).length, list).toBeGreaterThan(0);
  });

  test.each(entries)('%s.%s is a code and passes the linter, and so does its label', (_, code, label) => {
    expect(isCode(code)).toBe(true);
    expect(code.length).toBeLessThanOrEqual(CODE_MAX_LENGTH);
    expect(lintPersonalData(code)).toBeUndefined();
    expect(label.trim().length).toBeGreaterThan(0);
    expect(label.length).toBeLessThanOrEqual(LABEL_MAX_LENGTH);
    expect(lintPersonalData(label)).toBeUndefined();
  });

  test('names join and leave for coverage events', () => {
    expect(Object.keys(DEFAULT_CODES.actions)).toEqual(expect.arrayContaining(['view', 'search', 'change', 'create', 'export', 'print', 'join', 'leave']));
  });

  test('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_CODES)).toBe(true);
    for (const list of CODE_LIST_NAMES) expect(Object.isFrozen(DEFAULT_CODES[list])).toBe(true);
  });
});

describe('parseCodeLists', () => {
  test('round-trips the default lists, and their bytes are the same canonical JSON', () => {
    const parsed = parseCodeLists(JSON.stringify(DEFAULT_CODES, null, 2));
    expect(parsed).toEqual(DEFAULT_CODES);
    expect(codeListsBytes(parsed)).toEqual(codeListsBytes(DEFAULT_CODES));
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.roles)).toBe(true);
  });

  test('codeListsBytes is RFC 8785: lists and codes sorted, no whitespace, UTF-8', () => {
    const small: CodeLists = {
      organisations: { zeta: 'Z', alpha: 'A' },
      systems: { s: 'S' },
      roles: { r: 'R' },
      actions: { view: 'Viewed' },
      purposes: { p: 'P' },
      legalBases: { l: 'L' },
      categories: { c: 'Café' },
    };
    const text =
      '{"actions":{"view":"Viewed"},"categories":{"c":"Café"},"legalBases":{"l":"L"},"organisations":{"alpha":"A","zeta":"Z"},' +
      '"purposes":{"p":"P"},"roles":{"r":"R"},"systems":{"s":"S"}}';
    expect(decodeUtf8(codeListsBytes(small))).toBe(text);
    expect(codeListsBytes(small)).toEqual(new TextEncoder().encode(text));
  });

  const valid = (): Record<string, Record<string, unknown>> => JSON.parse(JSON.stringify(DEFAULT_CODES)) as Record<string, Record<string, unknown>>;
  const refused = (text: string, field: string): string => {
    const e = expectLogError(() => parseCodeLists(text), 'MALFORMED_REQUEST');
    expect(e.field).toBe(field);
    expect(e.hint).toBeTruthy();
    return e.message;
  };

  test('refuses what is not a JSON object', () => {
    refused('{', 'body');
    refused('[]', 'body');
    refused('null', 'body');
    refused('"codes"', 'body');
  });

  test.each(CODE_LIST_NAMES.map((l) => [l]))('refuses a missing, non-object or empty %s list', (list) => {
    const lists = valid();
    delete lists[list];
    refused(JSON.stringify(lists), list);
    for (const bad of [[], 'x', null, 3]) refused(JSON.stringify({ ...valid(), [list]: bad }), list);
    refused(JSON.stringify({ ...valid(), [list]: {} }), list);
  });

  test('refuses a list that is not one of the seven', () => {
    refused(JSON.stringify({ ...valid(), colours: { red: 'Red' } }), 'colours');
  });

  test.each(['Upper', 'two--hyphens', 'trailing-', '-leading', 'under_score', 'spa ce', '', 'a'.repeat(CODE_MAX_LENGTH + 1), '__proto__'])(
    'refuses the code %j, naming it',
    (code) => {
      refused(JSON.stringify({ ...valid(), systems: { [code]: 'A system' } }), `systems.${code}`);
    },
  );

  test('accepts a code of exactly the maximum length', () => {
    const code = 'a'.repeat(CODE_MAX_LENGTH);
    expect(parseCodeLists(JSON.stringify({ ...valid(), systems: { [code]: 'A system' } })).systems[code]).toBe('A system');
  });

  test.each([
    ['a number', 5],
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(LABEL_MAX_LENGTH + 1)],
    ['a control character', 'Case\u0007manager'],
    ['a lone surrogate', 'Case \ud800 manager'],
    ['a personal name', 'Jane Smith'],
    ['an e-mail address', 'Contact dpo@example.gov.uk'],
  ])('refuses a label that is %s, naming its code', (_, label) => {
    refused(JSON.stringify({ ...valid(), roles: { 'work-coach': label } }), 'roles.work-coach');
  });

  test('refuses a code that looks like personal data without quoting it', () => {
    const message = refused(JSON.stringify({ ...valid(), organisations: { dwp: 'DWP', 'ab123456c': 'Someone' } }), 'organisations');
    expect(message).toContain('National Insurance number');
    expect(message).toContain('2nd');
    expect(message).not.toContain('ab123456c');
  });
});
