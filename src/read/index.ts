export { storeHashReader } from './hash-reader.js';
export { type ReadService, MAX_ENTRIES_PAGE, createReadService } from './read-service.js';
