// What the browser bundle exercises: the core's public surface, as a page or client library would use it.
export * as merkle from '../../src/merkle/index.js';
export * as note from '../../src/note/index.js';
export * as receipt from '../../src/receipt/index.js';
export { LogError } from '../../src/errors.js';
