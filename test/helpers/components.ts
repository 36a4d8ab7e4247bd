/** The built-in registry every test builds with, as `portico` itself does. */
import { createBuiltinRegistry } from '../../src/components/builtin.js';

export const components = createBuiltinRegistry();
