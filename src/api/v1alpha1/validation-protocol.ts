// Rules that depend on the API's protocol (HTTP or WebSocket), which only GetApi can tell, so the
// API server cannot enforce them at admission. They run before any AWS write; each one stands for
// a BadRequest AWS would otherwise return on every retry (reference/apigatewayv2.md §1.2–1.11).
// A type the protocol does not take is the one problem reported about it: advice on what that
// type would need is marked as a follow-on (see Finding) and dropped.
import { INTEGRATION_TYPES, PAYLOAD_FORMAT_VERSIONS } from './schema.ts';
import type { Protocol } from './group.ts';
import {
  assuming,
  has,
  isOneOf,
  problem,
  record,
  refuting,
  specField,
  str,
  when,
  type Finding,
  type LooseSpec,
  type Premise,
} from './problem.ts';
import { HTTP_MAPPING_KEY, HTTP_ONLY_FIELDS, WEBSOCKET_ONLY_FIELDS, WS_MAPPING_KEY } from './validation-rules.ts';

const HTTP_API_TYPES = ['AWS_PROXY', 'HTTP_PROXY'];
const TIMEOUT_MAX: Record<Protocol, number> = { HTTP: 30000, WEBSOCKET: 29000 };
// WebSocket mapping values are selectors or a single-quoted static value (§1.9.3).
const WS_VALUE =
  /^(route\.request\.(header|querystring|path)\.\S+|route\.request\.body(\.\S+)?|method\.request\.\S+|context\.\S+|stageVariables\.\S+|'.*')$/;

const URL_FORM = /^https?:\/\/\S+$/i;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:\S+$/;
const LAMBDA_INVOKE_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/\S+$/;
const SERVICE_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:[a-z0-9.-]+:(path|action)\/\S+$/;
const PRIVATE_TARGET =
  /^arn:aws[a-z-]*:(elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/(app|net)\/\S+|servicediscovery:[a-z0-9-]+:\d{12}:service\/srv-\S+)$/;

const NAMES: Record<Protocol, string> = { HTTP: 'an HTTP API', WEBSOCKET: 'a WebSocket API' };
const typeOf = (s: LooseSpec) => str(s, 'integrationType');

function integrationTypeAllowed(s: LooseSpec, p: Protocol): Finding[] {
  const t = typeOf(s);
  // A type that exists nowhere is the schema's to report (it lists the valid ones).
  return refuting(
    ['integrationType'],
    when(
      p === 'HTTP' && isOneOf(t, INTEGRATION_TYPES) && !HTTP_API_TYPES.includes(t),
      specField('integrationType'),
      `${t} is not available on HTTP APIs, which take only AWS_PROXY (Lambda or a service integration) and HTTP_PROXY; change integrationType, or point apiId at a WebSocket API`,
    ),
  );
}

function payloadFormat(s: LooseSpec, p: Protocol): Finding[] {
  if (p === 'WEBSOCKET') {
    // AWS takes and reports '1.0' on WebSocket APIs (Terraform sends it on every create); only other
    // versions are refused (terraform-provider-aws#25280). A value outside the enum is the schema's.
    const v = str(s, 'payloadFormatVersion');
    return refuting(
      ['payloadFormatVersion'],
      when(
        isOneOf(v, PAYLOAD_FORMAT_VERSIONS) && v !== '1.0',
        specField('payloadFormatVersion'),
        `WebSocket APIs take only payloadFormatVersion '1.0' (got '${v}'); set it to '1.0' or leave it out`,
      ),
    );
  }
  const lambdaProxy = typeOf(s) === 'AWS_PROXY' && !has(s, 'integrationSubtype');
  return assuming(
    ['integrationType'],
    when(
      !has(s, 'payloadFormatVersion'),
      specField('payloadFormatVersion'),
      lambdaProxy
        ? "payloadFormatVersion is required on HTTP APIs; set '2.0' (or '1.0' for the REST-API-compatible Lambda event)"
        : "payloadFormatVersion is required on HTTP APIs; set '1.0', the only version this integration type supports",
    ),
  );
}

// A field that must go makes advice on its contents moot: a subtype's role and action parameters,
// a tlsConfig's VPC link, responseParameters' keys.
const MOOT_WITH_FIELD: Partial<Record<string, Premise[]>> = {
  integrationSubtype: ['serviceIntegration'],
  tlsConfig: ['tlsConfig'],
  responseParameters: ['responseParameters'],
};

function fieldsOfOtherProtocol(s: LooseSpec, p: Protocol): Finding[] {
  const foreign = p === 'HTTP' ? WEBSOCKET_ONLY_FIELDS : HTTP_ONLY_FIELDS;
  const owner = p === 'HTTP' ? 'WebSocket APIs' : 'HTTP APIs';
  return foreign
    .filter((f) => has(s, f))
    .map((f) => ({
      ...problem(specField(f), `${f} is only for ${owner} and apiId names ${NAMES[p]}; remove it`),
      refutes: ['unknownProtocol', ...(MOOT_WITH_FIELD[f] ?? [])],
    }));
}

function requestParameterKeys(s: LooseSpec, p: Protocol): Finding[] {
  // Service integrations use action parameter names, already checked protocol-free (and refused on WebSocket).
  if (has(s, 'integrationSubtype')) return [];
  const params = record(s, 'requestParameters') ?? {};
  if (p === 'HTTP') {
    return Object.keys(params)
      .filter((k) => WS_MAPPING_KEY.test(k))
      .map((k) =>
        problem(
          specField('requestParameters', k),
          'this is a WebSocket key; HTTP APIs map with append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME or overwrite:path',
        ),
      );
  }
  return Object.entries(params).flatMap(([k, v]) => [
    ...when(
      HTTP_MAPPING_KEY.test(k),
      specField('requestParameters', k),
      'this is an HTTP API key; WebSocket APIs map with integration.request.header|querystring|path.NAME',
    ),
    ...when(
      typeof v === 'string' && v !== '' && !WS_VALUE.test(v),
      specField('requestParameters', k),
      `WebSocket mapping values must be route.request.header|querystring|path.NAME, route.request.body[.PATH], context.VAR, stageVariables.VAR or a static value in single quotes (e.g. "'${v}'"); got ${JSON.stringify(v)}`,
    ),
  ]);
}

// Not a follow-on of a refused type: it names the types a VPC link works with, which holds whatever
// type the user picks next.
function privateIntegration(s: LooseSpec, p: Protocol): Finding[] {
  if (str(s, 'connectionType') !== 'VPC_LINK') return [];
  const allowed = p === 'HTTP' ? ['HTTP_PROXY'] : ['HTTP', 'HTTP_PROXY'];
  const t = typeOf(s);
  return when(
    t !== undefined && !allowed.includes(t),
    specField('connectionType'),
    `connectionType VPC_LINK on ${NAMES[p]} works only with integrationType ${allowed.join(' or ')}; change integrationType or remove the VPC link`,
  );
}

function timeout(s: LooseSpec, p: Protocol): Finding[] {
  const t = s.timeoutInMillis;
  // Refutes the schema's looser bound (30000 for both protocols), which would otherwise be stated too.
  return refuting(
    ['timeoutInMillis'],
    when(
      typeof t === 'number' && t > TIMEOUT_MAX[p],
      specField('timeoutInMillis'),
      `timeoutInMillis may be at most ${TIMEOUT_MAX[p]} on ${p === 'HTTP' ? 'HTTP' : 'WebSocket'} APIs (got ${String(t)}); lower it or leave it out for the default`,
    ),
  );
}

/** The integrationUri form each integration expects (§1.5); a wrong form is a BadRequest in AWS. */
function uriForm(s: LooseSpec, p: Protocol): Finding[] {
  return assuming(['integrationType'], uriFormOfType(s, p));
}

function uriFormOfType(s: LooseSpec, p: Protocol): Finding[] {
  const uri = str(s, 'integrationUri');
  const t = typeOf(s);
  if (uri === undefined || has(s, 'integrationSubtype')) return [];
  const field = specField('integrationUri');
  if (t === 'HTTP' || t === 'HTTP_PROXY') {
    if (p === 'HTTP' && str(s, 'connectionType') === 'VPC_LINK') {
      return when(
        !PRIVATE_TARGET.test(uri),
        field,
        'private integrations on HTTP APIs take an ALB/NLB listener ARN or a Cloud Map service ARN as integrationUri',
      );
    }
    return when(
      !URL_FORM.test(uri),
      field,
      `${t} integrations take a fully qualified http:// or https:// URL as integrationUri`,
    );
  }
  if (t === 'AWS_PROXY' && p === 'HTTP') {
    return when(
      !LAMBDA_ARN.test(uri) && !LAMBDA_INVOKE_URI.test(uri),
      field,
      'Lambda proxy integrations take the function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME) or its invoke URI as integrationUri',
    );
  }
  if (t === 'AWS_PROXY') {
    return when(
      !LAMBDA_INVOKE_URI.test(uri),
      field,
      'WebSocket Lambda proxy integrations take the invoke URI arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations',
    );
  }
  if (t === 'AWS') {
    return when(
      !SERVICE_URI.test(uri),
      field,
      'AWS integrations take an API Gateway service URI, e.g. arn:aws:apigateway:REGION:dynamodb:action/PutItem or a Lambda invoke URI',
    );
  }
  return [];
}

const CHECKS = [
  integrationTypeAllowed,
  payloadFormat,
  fieldsOfOtherProtocol,
  requestParameterKeys,
  privateIntegration,
  timeout,
  uriForm,
];

export function protocolProblems(s: LooseSpec, protocol: Protocol): Finding[] {
  return CHECKS.flatMap((check) => check(s, protocol));
}
