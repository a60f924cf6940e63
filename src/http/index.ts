export { type AppDeps, createApp } from './app.js';
export { PROBLEMS, problemType } from './problem.js';
export { MAX_RECORDS_BODY, MAX_RECORDS_PER_REQUEST } from './record-routes.js';
