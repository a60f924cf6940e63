/**
 * The operator list and the per-log metadata hold the shape of the operator-published log
 * metadata CT log operators serve (`operator-list-v1`, `log-metadata-v1`): the schemas below
 * state those published shapes' required fields and types, and every document we make is
 * validated against them, in each state of a log's life.
 */
import { createPublicKey } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { type LogDescription, logKeyIds, logMetadata, operatorList } from '../../../src/discovery/index.js';
import { decodeBase64, encodeBase64 } from '../../../src/encoding/index.js';
import { ed25519Cosigner, generateKey, parseNoteVerifier } from '../../../src/note/index.js';
import { expectLogError } from '../../support/errors.js';

const BASE64 = '^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)?$';
const DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';
const endpoint = {
  type: 'object',
  required: ['url', 'status', 'status_timestamp'],
  properties: { url: { type: 'string', pattern: '^https?://' }, status: { enum: ['active', 'inactive'] }, status_timestamp: { type: 'string', pattern: DATE_TIME } },
};
const LOG_METADATA_SHAPE = {
  type: 'object',
  required: ['log_id', 'key', 'friendly_name', 'log_type', 'mmd_seconds', 'intended_use', 'submission_endpoint', 'monitoring_endpoint'],
  properties: {
    log_id: { type: 'string', pattern: BASE64 },
    key: { type: 'string', pattern: BASE64 },
    friendly_name: { type: 'string' },
    log_type: { enum: ['rfc6962', 'tiled'] },
    mmd_seconds: { type: 'integer', minimum: 0 },
    intended_use: { enum: ['production', 'pre-production', 'test', 'retired'] },
    temporal_interval: {
      type: 'object',
      required: ['start_inclusive', 'end_exclusive'],
      properties: { start_inclusive: { type: 'string', pattern: DATE_TIME }, end_exclusive: { type: 'string', pattern: DATE_TIME } },
    },
    final_tree_head: {
      type: 'object',
      required: ['sha256_root_hash', 'tree_size'],
      properties: { sha256_root_hash: { type: 'string', pattern: BASE64 }, tree_size: { type: 'integer', minimum: 0 } },
    },
    submission_endpoint: endpoint,
    monitoring_endpoint: endpoint,
    log_software: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
  },
};
const OPERATOR_LIST_SHAPE = {
  type: 'object',
  required: ['operator_name', 'last_updated', 'logs'],
  properties: {
    operator_name: { type: 'string' },
    last_updated: { type: 'string', pattern: DATE_TIME },
    logs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['friendly_name', 'log_id', 'metadata_url'],
        properties: { friendly_name: { type: 'string' }, log_id: { type: 'string', pattern: BASE64 }, metadata_url: { type: 'string', pattern: '^https?://' } },
      },
    },
  },
};
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validMetadata = ajv.compile(LOG_METADATA_SHAPE);
const validOperatorList = ajv.compile(OPERATOR_LIST_SHAPE);

const vkey = generateKey('log.example.gov.uk/dwp/2026').verifierKey;
const active: LogDescription = {
  id: 'dwp-2026',
  name: 'Department for Work and Pensions, 2026',
  origin: 'log.example.gov.uk/dwp/2026',
  vkey,
  submissionUrl: 'https://log.example.gov.uk/logs/dwp-2026/',
  monitoringUrl: 'https://log.example.gov.uk/logs/dwp-2026/',
  interval: { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') },
  state: 'active',
  stateSince: new Date('2025-12-01T09:30:00Z'),
  mmdSeconds: 1,
  recordSchemas: ['https://log.example.gov.uk/logs/dwp-2026/v1/schemas/access'],
};

describe('log metadata', () => {
  test('an active log: its key and id as CT metadata carries them, endpoints active, its interval', () => {
    const doc = logMetadata(active, { name: 'sightline', version: '0.1.0' });
    expect(validMetadata(doc), JSON.stringify(validMetadata.errors)).toBe(true);
    expect(doc).toMatchObject({
      friendly_name: active.name,
      log_type: 'tiled',
      log_spec: 'tlog-tiles',
      origin: active.origin,
      vkey,
      intended_use: 'production',
      state: 'active',
      temporal_interval: { start_inclusive: '2026-01-01T00:00:00Z', end_exclusive: '2027-01-01T00:00:00Z' },
      submission_endpoint: { url: active.submissionUrl, status: 'active', status_timestamp: '2025-12-01T09:30:00Z' },
      monitoring_endpoint: { url: active.monitoringUrl, status: 'active' },
      record_schemas: active.recordSchemas,
    });
    expect(doc).not.toHaveProperty('final_tree_head');
  });

  test('the key is the DER SubjectPublicKeyInfo node:crypto makes for the same Ed25519 key, and the id its SHA-256', () => {
    const publicKey = parseNoteVerifier(vkey).publicKey;
    const der = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    const { key, logId } = logKeyIds(vkey);
    expect(key).toBe(der.toString('base64'));
    expect(logId).toBe(encodeBase64(sha256(decodeBase64(key)!)));
  });

  test('a read-only log: submission inactive, monitoring active, its final tree head and checkpoint', () => {
    const rootHash = new Uint8Array(32).fill(9);
    const doc = logMetadata({ ...active, state: 'readonly', stateSince: new Date('2027-01-01T00:00:00Z'), finalCheckpoint: { treeSize: 1234, rootHash, text: 'log.example.gov.uk/dwp/2026\n1234\n…\n' }, successor: 'dwp-2027' });
    expect(validMetadata(doc), JSON.stringify(validMetadata.errors)).toBe(true);
    expect(doc).toMatchObject({
      state: 'readonly',
      submission_endpoint: { status: 'inactive', status_timestamp: '2027-01-01T00:00:00Z' },
      monitoring_endpoint: { status: 'active' },
      final_tree_head: { sha256_root_hash: encodeBase64(rootHash), tree_size: 1234 },
      final_checkpoint: 'log.example.gov.uk/dwp/2026\n1234\n…\n',
      successor: 'dwp-2027',
    });
  });

  test('a retired log: both endpoints inactive, intended use retired', () => {
    const doc = logMetadata({ ...active, state: 'retired' });
    expect(validMetadata(doc), JSON.stringify(validMetadata.errors)).toBe(true);
    expect(doc).toMatchObject({ intended_use: 'retired', submission_endpoint: { status: 'inactive' }, monitoring_endpoint: { status: 'inactive' } });
  });

  test('a log with no interval leaves it out rather than inventing one', () => {
    const { interval: _none, ...open } = active;
    expect(logMetadata(open)).not.toHaveProperty('temporal_interval');
  });

  test('refuses a key that is not a log key', () => {
    const cosigner = ed25519Cosigner('witness.example/w1', new Uint8Array(32).fill(1));
    expectLogError(() => logKeyIds(cosigner.verifierKey), 'MALFORMED_KEY');
  });
});

describe('operator list', () => {
  test('names the operator and links each log by id to its metadata', () => {
    const hmrc = { ...active, id: 'hmrc-2026', name: 'HM Revenue and Customs, 2026', vkey: generateKey('log.example.gov.uk/hmrc/2026').verifierKey };
    const doc = operatorList(
      { name: 'Example transparency service', contact: ['transparency@example.gov.uk'] },
      [
        { log: active, metadataUrl: 'https://log.example.gov.uk/logs/dwp-2026/log.v3.json' },
        { log: hmrc, metadataUrl: 'https://log.example.gov.uk/logs/hmrc-2026/log.v3.json' },
      ],
      new Date('2026-12-03T12:00:00.250Z'),
    );
    expect(validOperatorList(doc), JSON.stringify(validOperatorList.errors)).toBe(true);
    expect(doc).toEqual({
      operator_name: 'Example transparency service',
      email: ['transparency@example.gov.uk'],
      last_updated: '2026-12-03T12:00:00.250Z',
      logs: [
        { friendly_name: active.name, log_id: logKeyIds(active.vkey).logId, metadata_url: 'https://log.example.gov.uk/logs/dwp-2026/log.v3.json' },
        { friendly_name: hmrc.name, log_id: logKeyIds(hmrc.vkey).logId, metadata_url: 'https://log.example.gov.uk/logs/hmrc-2026/log.v3.json' },
      ],
    });
  });
});
