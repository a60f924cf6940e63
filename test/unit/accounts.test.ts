/**
 * Credentials on the record: every account change is appended to the log as the operator's
 * signed `credential` event, and committed, before it is made; a change that would be refused
 * is refused before anything is recorded; the log's own account cannot be touched.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { createAccounts } from '../../src/cli/accounts.js';
import { verifyEventSignature } from '../../src/client/index.js';
import { OPERATOR_PARTNER, parseEventLeaf } from '../../src/events/index.js';
import { MemoryStore } from '../support/memory-store.js';
import { partnerKeyPair } from '../support/events.js';
import { newTestLog } from '../support/test-log.js';

type Log = Awaited<ReturnType<typeof newTestLog>>;
let log: Log;
beforeEach(async () => {
  log = await newTestLog(new MemoryStore());
});

async function credentialEvents() {
  const head = await log.store.readHead();
  const leaves = await log.store.readEntries(0, head.treeSize);
  const operatorKey = (await log.store.listPartners()).find((p) => p.id === OPERATOR_PARTNER)!.publicKey!;
  return leaves.flatMap((data) => {
    const leaf = parseEventLeaf(data);
    if (leaf?.event.type !== 'credential') return [];
    expect(verifyEventSignature(log.meta.origin, leaf.event, leaf.signature, operatorKey)).toBe(true);
    return [leaf.event];
  });
}

describe('account changes are recorded before they are made', () => {
  test('issuing, keying and revoking a partner, and an operator: one signed credential event each, in order, the operator named only by a pseudonym', async () => {
    const accounts = createAccounts(log.store, log.operatorActs, 'alice');
    const added = await accounts.addPartner('hmrc-rti', 'HMRC RTI', null);
    expect(added.token).toMatch(/^sl_/);
    await accounts.setPartnerKey('hmrc-rti', partnerKeyPair('hmrc-rti').publicKey);
    await accounts.revokePartner('hmrc-rti');
    await accounts.addOperator('bob.smith');
    await accounts.revokeOperator('bob.smith');
    const events = await credentialEvents();
    expect(events.map((e) => [e.action, e.holder])).toEqual([
      ['issue', 'partner'],
      ['set-key', 'partner'],
      ['revoke', 'partner'],
      ['issue', 'operator'],
      ['revoke', 'operator'],
    ]);
    expect(events.slice(0, 3).every((e) => e.account === 'hmrc-rti')).toBe(true);
    expect(events[3]!.account).toMatch(/^[0-9a-f]{32}$/);
    expect(events[4]!.account).toBe(events[3]!.account);
    // Who did it: the same pseudonym each time, never the name.
    expect(new Set(events.map((e) => e.actor)).size).toBe(1);
    expect(JSON.stringify(events)).not.toMatch(/alice|bob/);
    expect(await log.store.listOperators()).toContainEqual(expect.objectContaining({ id: 'bob.smith', revokedAt: expect.any(Date) }));
  });

  test('a change that would be refused is refused before anything is recorded', async () => {
    const accounts = createAccounts(log.store, log.operatorActs, 'alice');
    const size = (await log.store.readHead()).treeSize;
    await expect(accounts.addPartner('partner-a', null, null)).rejects.toMatchObject({ field: 'id' }); // exists
    await expect(accounts.addPartner('Not An Id', null, null)).rejects.toMatchObject({ field: 'id' });
    await expect(accounts.addPartner('00112233445566778899', null, null)).rejects.toMatchObject({ field: 'id' }); // the form of a pseudonym
    await expect(accounts.revokePartner('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(accounts.revokeOperator('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(accounts.addOperator('ops')).rejects.toMatchObject({ field: 'id' }); // exists
    expect((await log.store.readHead()).treeSize).toBe(size);
  });

  test("the log's own account cannot be added, keyed or revoked, and its events verify with its published key", async () => {
    const accounts = createAccounts(log.store, log.operatorActs, 'alice');
    await expect(accounts.addPartner(OPERATOR_PARTNER, null, null)).rejects.toMatchObject({ field: 'id' });
    await expect(accounts.revokePartner(OPERATOR_PARTNER)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(accounts.setPartnerKey(OPERATOR_PARTNER, partnerKeyPair('mallory').publicKey)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await log.store.listPartners()).find((p) => p.id === OPERATOR_PARTNER)).toMatchObject({ revokedAt: null });
  });
});
