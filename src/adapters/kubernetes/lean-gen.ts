// What @kubernetes/client-node's dist/config.js imports from its generated index, and nothing
// more; see lean-load.ts.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
