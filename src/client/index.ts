// Public entry of the EAS client library.
export * from './eas-client.js';
