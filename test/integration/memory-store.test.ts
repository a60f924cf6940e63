import { describeLogStore } from '../support/log-store-contract.js';
import { MemoryStore } from '../support/memory-store.js';

// The fake the sequencer and HTTP tests use must keep the contract the real store keeps.
describeLogStore('MemoryStore', async (options) => {
  const store = new MemoryStore(options);
  return { store, close: () => store.close() };
});
