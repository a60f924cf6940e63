// The explorer's server-rendered pages, its stylesheet and the public figures behind the
// log page (the browser module that verifies is src/explorer, bundled to dist/explorer).
export { CONTENT_SECURITY_POLICY, type WebDeps, type WebSources, type WebWitnessing, createWebDeps, defaultExplorerScript, webRoutes } from './routes.js';
export { type FiguresOptions, type FiguresStore, type FiguresTracker, type PublicFigures, NOT_A_CODE, createFigures } from './figures.js';
export { EXPLORER_CSS } from './styles.js';
export { basePathOf, under } from './base-path.js';
