// The connection capability's public face: everything other modules may use of it.
export { connectAthlete, ConnectError, missingScopes, parseScopes, REQUESTED_SCOPES } from './connect.js';
export { disconnectAndDelete } from './disconnect.js';
