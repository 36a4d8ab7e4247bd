/**
 * `documentation/openapi` (KrakenD EE): descriptions for `portico openapi export`; the gateway does not
 * read it while serving. Known keys are typed; EE's other keys are accepted as they are.
 */
import type { ComponentDefinition } from './registry.js';
/** KrakenD EE's namespace; openapi/import.ts writes it under the same name. */
const OPENAPI_NAMESPACE = 'documentation/openapi';

const str = { type: 'string' };
const strings = { type: 'array', items: { type: 'string' } };

export const openApiDocumentationComponent: ComponentDefinition = {
  namespace: OPENAPI_NAMESPACE,
  schemas: {
    service: {
      type: 'object',
      properties: {
        description: str,
        version: str,
        host: str,
        base_path: str,
        schemes: strings,
        terms_of_service: str,
        contact_name: str,
        contact_email: str,
        contact_url: str,
        license_name: str,
        license_url: str,
      },
    },
    endpoint: { type: 'object', properties: { summary: str, description: str, operation_id: str, tags: strings, audience: strings } },
  },
};
