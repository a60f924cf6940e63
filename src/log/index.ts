// The log's vocabulary and its storage port; no I/O.
export type { LogMeta, TreeHead, StoredTile, TileId, NewEntry, IntegratedBatch, Partner } from './types.js';
export type { LogStore } from './ports.js';
