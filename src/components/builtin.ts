/** Loads every built-in component so each registers its namespace. */
import './core-namespaces.js';
import './cors/cors.js';
import './httpsecure/httpsecure.js';
import './bot-detector/bot-detector.js';
import './jwt/validator.js';
import './jwt/signer.js';
import './api-keys/api-keys.js';
import './basic-auth/basic-auth.js';
import './proxy-namespace.js';
import './graphql-namespace.js';
import './encodings.js';
import './validation/json-schema.js';
import './validation/cel.js';
import './lua/lua-proxy.js';
import './lua/lua-endpoint.js';
