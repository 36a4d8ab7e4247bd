/** Loads every built-in component so each registers its namespace. */
import './core-namespaces.js';
import './ratelimit/router.js';
import './ratelimit/proxy.js';
import './circuit-breaker/component.js';
import './http-cache/component.js';
import './retry/component.js';
