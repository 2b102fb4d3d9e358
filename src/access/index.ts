// The access module's public surface: types, versions and ranges, rules, the decision, release
// conditions, autoblock tracking and what-if previews. Import from here, not from the files.
export type * from './types.js';
export * from './version.js';
export * from './rules.js';
export * from './evaluate.js';
export * from './release.js';
export * from './autoblock.js';
export * from './preview.js';
