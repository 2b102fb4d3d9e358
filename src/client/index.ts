// Public entry of the EAS client library.
export * from './eas-client.js';
export * from './email.js';
export * from './mail-sync.js';
export * from './ping.js';
export * from './mail-items.js';
export * from './multipart.js';
export * from './search.js';
