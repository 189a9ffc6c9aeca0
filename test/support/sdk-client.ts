// API Gateway clients for tests that want AWS's (or the emulator's) first answer: one attempt, since
// the SDK retries 429 and 5xx by itself, with the keys moto takes. A file destroys the ones it made
// with destroyTestClients in its afterAll (each test file has its own copy of this module).
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { testbedEnv } from '../testbed/env.ts';

const made: ApiGatewayV2Client[] = [];

/** `requestTimeout`: the call fails once it passes (the SDK only logs a warning without throwOnRequestTimeout). */
export function testClient(endpoint: string, requestTimeout?: number): ApiGatewayV2Client {
  const c = new ApiGatewayV2Client({
    region: testbedEnv().region,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    ...(requestTimeout ? { requestHandler: { requestTimeout, throwOnRequestTimeout: true } } : {}),
  });
  made.push(c);
  return c;
}

export function destroyTestClients(): void {
  for (const c of made.splice(0)) c.destroy();
}
