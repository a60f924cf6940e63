// c2sp.org/tlog-mirror: the add-entries wire formats, the mirror's decisions and the feeder
// that uploads a log to a mirror. Pure, no I/O.
export {
  type AddEntriesHeader,
  type PackageRange,
  type EntryPackage,
  type MirrorInfo,
  MIRROR_INFO_CONTENT_TYPE,
  MAX_PACKAGE_HASHES,
  PACKAGES_PER_REQUEST,
  ByteStream,
  packageRanges,
  encodeAddEntriesHeader,
  encodeEntryPackage,
  readAddEntriesHeader,
  readEntryPackage,
  formatMirrorInfo,
  parseMirrorInfo,
} from './protocol.js';
export {
  type MirrorProgress,
  type MirrorCommit,
  type MirrorStore,
  type AddEntriesStatus,
  type AddEntriesResult,
  type MirrorOptions,
  type MirroredLog,
  type Mirror,
  MAX_PACKAGES_PER_REQUEST,
  MAX_EXCESS_ENTRIES,
  RECENT_PENDING,
  originHashOf,
  bundlePrefix,
  createMirror,
} from './mirror.js';
export { MemoryMirrorStore } from './memory-store.js';
export { type MirrorAnswer, type MirrorTarget, type FeedCheckpoint, type FeedResult, feedMirror, localMirrorTarget } from './feed.js';
export { type TreeFile, type CopyOptions, copyTree } from './copy.js';
