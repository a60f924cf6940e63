// The mirror store contract on the in-memory store.
import { MemoryMirrorStore } from '../../../src/mirror/index.js';
import { describeMirrorStore } from '../../support/mirror-store-contract.js';

let current = new MemoryMirrorStore();
describeMirrorStore('MemoryMirrorStore', {
  fresh: async () => (current = new MemoryMirrorStore()),
  another: async () => current,
});
