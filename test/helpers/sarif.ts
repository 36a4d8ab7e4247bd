/** SARIF 2.1.0 shape checks shared by the check and audit CLI tests. */
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';

/** The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that code-scanning uploads require. */
export const SARIF_SHAPE = {
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    version: { const: '2.1.0' },
    $schema: { type: 'string' },
    runs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['tool', 'results'],
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string', minLength: 1 },
                  version: { type: 'string' },
                  rules: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, shortDescription: { type: 'object', required: ['text'] } } } },
                },
              },
            },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ruleId', 'message', 'level', 'locations'],
              properties: {
                ruleId: { type: 'string', minLength: 1 },
                ruleIndex: { type: 'integer', minimum: 0 },
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1 } } },
                locations: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['physicalLocation'],
                    properties: {
                      physicalLocation: {
                        type: 'object',
                        required: ['artifactLocation'],
                        properties: {
                          artifactLocation: { type: 'object', required: ['uri'], properties: { uri: { type: 'string', format: 'uri-reference' } } },
                          region: {
                            type: 'object',
                            required: ['startLine'],
                            properties: { startLine: { type: 'integer', minimum: 1 }, startColumn: { type: 'integer', minimum: 1 } },
                          },
                        },
                      },
                      logicalLocations: { type: 'array', items: { type: 'object', required: ['fullyQualifiedName'] } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

export interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn: number } }; logicalLocations?: { fullyQualifiedName: string }[] }[];
    }[];
  }[];
}


/** Validates the required SARIF fields and that every result's ruleIndex points at its rule. */
export function assertSarifShape(log: unknown): asserts log is SarifLog {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  assert.ok(ajv.validate(SARIF_SHAPE, log), JSON.stringify(ajv.errors));
  const run = (log as SarifLog).runs[0] as SarifLog['runs'][number];
  for (const result of run.results) assert.equal(run.tool.driver.rules[result.ruleIndex]?.id, result.ruleId, 'ruleIndex points at its rule');
}
