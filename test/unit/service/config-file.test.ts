/**
 * The service configuration file as an operator writes it: YAML or JSON giving the same
 * configuration, paths taken from the file's folder, and the file's own problems — a
 * duplicate key, an alias bomb, a wrong extension, no file — named with the file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseServiceConfigText, readServiceConfig } from '../../../src/cli/service-config.js';
import { expectLogError } from '../../support/errors.js';
import { tempDir } from '../../support/temp.js';

const YAML = `# Two years of one body's log, and another body's.
operator:
  name: Example transparency service
  contact: [transparency@example.gov.uk]
logs:
  - id: dwp-2026
    name: Department for Work and Pensions, 2026
    origin: log.example.gov.uk/dwp/2026
    alias: dwp
    keyFile: keys/dwp-2026.key
    interval: { start: 2026-01-01, end: 2027-01-01 }
  - id: hmrc
    name: HM Revenue and Customs
    origin: log.example.gov.uk/hmrc
    codes: /etc/sightline/hmrc-codes.json
`;
const JSON_TEXT = JSON.stringify({
  operator: { name: 'Example transparency service', contact: ['transparency@example.gov.uk'] },
  logs: [
    { id: 'dwp-2026', name: 'Department for Work and Pensions, 2026', origin: 'log.example.gov.uk/dwp/2026', alias: 'dwp', keyFile: 'keys/dwp-2026.key', interval: { start: '2026-01-01', end: '2027-01-01' } },
    { id: 'hmrc', name: 'HM Revenue and Customs', origin: 'log.example.gov.uk/hmrc', codes: '/etc/sightline/hmrc-codes.json' },
  ],
});

describe('service configuration file', () => {
  test('YAML and JSON read to the same configuration; relative paths are the file’s folder’s', () => {
    const dir = tempDir('service-config');
    writeFileSync(join(dir, 'service.yaml'), YAML);
    writeFileSync(join(dir, 'service.json'), JSON_TEXT);
    const fromYaml = readServiceConfig(join(dir, 'service.yaml'));
    expect(fromYaml).toEqual(readServiceConfig(join(dir, 'service.json')));
    expect(fromYaml.logs[0]).toMatchObject({ keyFile: join(dir, 'keys', 'dwp-2026.key'), interval: { start: new Date('2026-01-01T00:00:00Z') } });
    expect(fromYaml.logs[1]).toMatchObject({ codesFile: '/etc/sightline/hmrc-codes.json' });
  });

  test('a key given twice is refused with its line, not read as either value', () => {
    const text = YAML.replace('    alias: dwp\n', '    alias: dwp\n    alias: hmrc\n');
    expect(expectLogError(() => parseServiceConfigText('service.yaml', text), 'MALFORMED_REQUEST').message).toMatch(/^service\.yaml: not valid YAML at line 10: Map keys must be unique$/);
  });

  test('an alias bomb is refused before it expands', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    expect(expectLogError(() => parseServiceConfigText('bomb.yaml', levels.join('\n')), 'MALFORMED_REQUEST').message).toMatch(/^bomb\.yaml: not valid YAML/);
  });

  test('YAML types nothing implicitly: a date stays text until the checker reads it', () => {
    expect(parseServiceConfigText('x.yml', 'start: 2026-01-01\nn: 0x10\nyes: yes\n')).toEqual({ start: '2026-01-01', n: 16, yes: 'yes' });
  });

  test('the file’s own problems name the file', () => {
    const dir = tempDir('service-config');
    expect(expectLogError(() => readServiceConfig(join(dir, 'missing.yaml')), 'MALFORMED_REQUEST').message).toBe(`${join(dir, 'missing.yaml')}: no such file`);
    writeFileSync(join(dir, 'service.toml'), '');
    expect(expectLogError(() => readServiceConfig(join(dir, 'service.toml')), 'MALFORMED_REQUEST').message).toMatch(/a configuration file is \.yaml, \.yml or \.json$/);
    writeFileSync(join(dir, 'bad.json'), '{"operator": ');
    expect(expectLogError(() => readServiceConfig(join(dir, 'bad.json')), 'MALFORMED_REQUEST').message).toMatch(/bad\.json: not valid JSON/);
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9]));
    expect(expectLogError(() => readServiceConfig(join(dir, 'latin1.yaml')), 'MALFORMED_REQUEST').message).toMatch(/not UTF-8 text$/);
    writeFileSync(join(dir, 'wrong.yaml'), YAML.replace('dwp-2026\n    name', 'DWP 2026\n    name'));
    expect(expectLogError(() => readServiceConfig(join(dir, 'wrong.yaml')), 'MALFORMED_REQUEST').message).toMatch(/wrong\.yaml: logs\[0\] \(DWP 2026\): id: /);
  });
});
