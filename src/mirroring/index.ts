export { type MirrorEndpoint, type MirrorStatus, type MirrorPost, type MirroringOptions, type Mirroring, createMirroring, httpMirrorTarget } from './mirroring.js';
