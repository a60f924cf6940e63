// Discovery of a service's logs: the witness network's logs/v0 list and the operator's log
// metadata documents. Pure: no I/O; runs in Node and browsers.
export { type LogListEntry, LOG_LIST_HEADER, MAX_LOG_LIST_BYTES, MAX_LOG_LIST_LOGS, formatLogList, parseLogList } from './log-list.js';
export { type LogState, type LogDescription, type OperatorDescription, logKeyIds, logMetadata, operatorList } from './metadata.js';
export {
  type ListedLog,
  type Reconciled,
  MAX_OPERATOR_LIST_BYTES,
  MAX_LOG_METADATA_BYTES,
  isJsonList,
  parseOperatorList,
  parseLogMetadata,
  logsOfTextList,
  checkDistinctOrigins,
  logDirName,
  reconcileLogs,
} from './follow.js';
