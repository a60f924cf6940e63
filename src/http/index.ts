export { type AppDeps, createApp } from './app.js';
export { PROBLEMS, problemType } from './problem.js';
