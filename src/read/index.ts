export { storeHashReader } from './hash-reader.js';
export { type HeadCache, createHeadCache } from './head-cache.js';
export { type TileCache, type TileSource, createTileCache } from './tile-cache.js';
export { type BundleCache, createBundleCache } from './bundle-cache.js';
export { type ReadService, type ReadSources, MAX_ENTRIES_PAGE, READ_CHUNK_BYTES, createReadService, nextTurn } from './read-service.js';
