/**
 * `backend/lambda` (krakend-lambda `backend.go`): the backend invokes an AWS Lambda function
 * (RequestResponse) instead of an HTTP call. The function is `function_name`, or the endpoint param named
 * by `function_param_name` (default `function`; KrakenD spells params with a capital first letter, both
 * spellings work). The payload is the request body, or for a GET backend a JSON object of the params with
 * lower-cased names. The function's JSON object answer is the backend's data; `X-Amz-Executed-Version`
 * comes along. Credentials come from the AWS SDK's default chain (environment, shared files, roles).
 *
 * As in KrakenD, a function error (`X-Amz-Function-Error`) still answers 200 with the error payload as
 * data; a status other than 200, an SDK error (unknown function, no credentials) or an answer that is
 * not a JSON object fail the backend (500). `endpoint` applies only with `region`, as in KrakenD.
 */
import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import { bufferRequestBody } from '../../proxy/buffer-body.js';
import { GatewayError } from '../../core/errors.js';
import { createShaper } from '../../proxy/shaping.js';
import type { Middleware, ProxyRequest, ProxyResponse } from '../../proxy/types.js';
import { paramValue } from '../../messaging/params.js';
import type { ComponentDefinition } from '../registry.js';

export const LAMBDA_NAMESPACE = 'backend/lambda';

type Sdk = typeof import('@aws-sdk/client-lambda');
let sdkLoading: Promise<Sdk> | undefined;

/** The SDK is loaded only by configs that use Lambda (it is large, and warns on some Node versions). */
function loadSdk(): Promise<Sdk> {
  sdkLoading ??= import('@aws-sdk/client-lambda');
  return sdkLoading;
}

export const lambdaComponent: ComponentDefinition = {
  namespace: LAMBDA_NAMESPACE,
  async prepare() {
    await loadSdk();
  },
  schemas: {
    backend: {
      type: 'object',
      properties: {
        function_name: { type: 'string' },
        function_param_name: { type: 'string', default: 'function' },
        region: { type: 'string' },
        max_retries: { type: 'integer', minimum: 0 },
        endpoint: { type: 'string' },
      },
      patternProperties: { '^[@$_#]': {} },
      additionalProperties: false,
    },
  },
  validate(block, _scope, at, issues) {
    if (typeof block['endpoint'] === 'string' && typeof block['region'] !== 'string') {
      issues.warning({ code: 'PRT_WARN_CONFIG_UNUSED', at: [...at, 'endpoint'], message: 'endpoint is used only together with region (as in KrakenD)', hint: 'add "region"' });
    }
  },
  backend(block, backend, _endpoint, context): Middleware | undefined {
    const functionName = typeof block['function_name'] === 'string' ? block['function_name'] : undefined;
    const functionParam = typeof block['function_param_name'] === 'string' ? block['function_param_name'] : 'function';
    const config: LambdaClientConfig = {};
    if (typeof block['region'] === 'string') {
      config.region = block['region'];
      if (typeof block['endpoint'] === 'string') config.endpoint = block['endpoint'];
    }
    if (typeof block['max_retries'] === 'number') config.maxAttempts = block['max_retries'] + 1;
    // Built on first use: an async agent's backends are not covered by `prepare`.
    let client: Promise<{ sdk: Sdk; client: LambdaClient }> | undefined;
    const clientFor = (): Promise<{ sdk: Sdk; client: LambdaClient }> =>
      (client ??= loadSdk().then((sdk) => ({ sdk, client: new sdk.LambdaClient(config) })));
    context.onClose(async () => {
      if (client) (await client).client.destroy();
    });
    const fromParams = backend.method === 'GET';
    const shape = createShaper(backend);
    const label = `[BACKEND: ${backend.urlPattern}][Lambda]`;

    return () =>
      async function invokeLambda(request, cancel): Promise<ProxyResponse> {
        const payload = fromParams ? paramsPayload(request) : ((await bufferRequestBody(request, cancel)) ?? Buffer.alloc(0));
        const name = functionName ?? paramValue(request.params, functionParam) ?? '';
        const { sdk, client: lambda } = await clientFor();
        let result;
        try {
          result = await lambda.send(new sdk.InvokeCommand({ FunctionName: name, InvocationType: 'RequestResponse', LogType: 'None', Payload: payload }), { abortSignal: cancel.signal });
        } catch (error) {
          if (cancel.aborted) throw cancel.reason as Error;
          context.logger.debug(`${label} ${(error as Error).message}`);
          throw new GatewayError('PRT_ERR_LAMBDA_INVOKE', `aws lambda: ${(error as Error).message}`);
        }
        if (result.StatusCode !== 200) throw new GatewayError('PRT_ERR_LAMBDA_STATUS', 'aws lambda: bad status code');
        let data: unknown;
        try {
          data = JSON.parse(Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8'));
        } catch (error) {
          throw new GatewayError('PRT_ERR_LAMBDA_PAYLOAD', `aws lambda: ${(error as Error).message}`);
        }
        if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new GatewayError('PRT_ERR_LAMBDA_PAYLOAD', 'aws lambda: the function did not answer a JSON object');
        const headers: Record<string, string[]> = {};
        if (result.ExecutedVersion !== undefined) headers['X-Amz-Executed-Version'] = [result.ExecutedVersion];
        return { data: shape ? shape(data as Record<string, unknown>) : (data as Record<string, unknown>), isComplete: true, metadata: { statusCode: 200, headers }, body: null };
      };
  },
};

/** krakend-lambda `fromParams`: the params with lower-cased names, as JSON with Go's trailing newline. */
function paramsPayload(request: ProxyRequest): Buffer {
  const params: Record<string, string> = {};
  // Go's encoder writes map keys sorted.
  for (const [name, value] of Object.entries(request.params)) params[name.toLowerCase()] = value;
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(params).sort()) sorted[name] = params[name] as string;
  return Buffer.from(`${JSON.stringify(sorted)}\n`);
}
