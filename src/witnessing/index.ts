// The log side of c2sp.org/tlog-witness: gathering witnesses' cosignatures on checkpoints.
export { type Post, type WitnessEndpoint, type WitnessStatus, type Witnessing, type WitnessingOptions, createWitnessing } from './witnessing.js';
