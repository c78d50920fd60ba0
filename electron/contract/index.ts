// The contract between the engine, its hosts and the renderer: the protocol's messages and the rules
// every layer shares, one concern per file. Pure (no Node modules, no engine or native code): the
// renderer imports it too.
export * from './model';
export * from './deltas';
export * from './counter-frame';
export * from './status';
export * from './labs';
export * from './capture';
export * from './packet-summary';
export * from './trace';
export * from './rpc';
export * from './interest';
export * from './errors';
export * from './preload-api';
export * from './ids';
export * from './names';
export * from './link-settings';
export * from './addresses';
export * from './limits';
