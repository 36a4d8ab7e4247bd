/** Loads every built-in component so each registers its namespace. */
import './core-namespaces.js';
import './proxy-namespace.js';
import './graphql-namespace.js';
import './encodings.js';
