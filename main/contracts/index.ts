// Every feature's contract, re-exported for main; the renderer imports these as types only.
export * from './result';
export * from './study';
export * from './segment';
export * from './session';
export * from './export';
export * from './menu';
export type * from './api';
export * from './pacs';
