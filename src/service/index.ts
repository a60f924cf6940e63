// A service of many logs: its configuration, checked as a whole. Pure: no I/O.
export { type ServiceConfig, type LogConfig, type Interval, validateServiceConfig, intervalHolds, currentShard, successorOf } from './config.js';
