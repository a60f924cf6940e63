export {
  type AccountKind,
  type OperatorAct,
  type OperatorKey,
  type OperatorRecorder,
  type OperatorRecorderDeps,
  createOperatorRecorder,
  operatorKeySeed,
  pseudonym,
  pseudonymKey,
} from './recorder.js';
