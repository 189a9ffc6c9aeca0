// The Lambda invoke permission of an integration, as pure facts: which function (and qualifier) an
// integration invokes, the one statement the operator would add for it, whether a function policy
// lets this API invoke it, and the add-permission command a person can run. decide-permission.ts
// decides with these; the adapter (src/adapters/aws/lambda-policy.ts) only reads and writes.
//
// What API Gateway needs (Lambda developer guide, "Using resource-based policies for Lambda" and
// "Granting function access to AWS services"; API Gateway developer guide, "HTTP API Lambda
// integrations"): an Allow statement for principal apigateway.amazonaws.com, action
// lambda:InvokeFunction, on the ARN as invoked (qualified when the URI names a version or alias), with
// an AWS:SourceArn condition matching arn:{partition}:execute-api:{region}:{account}:{apiId}/...;
// no statement is needed when the integration passes a role (credentialsArn), which API Gateway
// invokes with instead.
import type { LambdaFunction, WantedStatement } from './permission-ports.ts';

export type { LambdaFunction, WantedStatement } from './permission-ports.ts';

const FUNCTION_ARN =
  /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,140})(?::([A-Za-z0-9$_-]+))?$/;
// API Gateway's own invocation form of the same ARN.
const INVOCATION_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

/** The function a Lambda integration invokes; undefined for any other integration, or one given a role. */
export function lambdaFunctionOf(spec: { integrationType?: string; integrationUri?: string; credentialsArn?: string }) {
  if (spec.credentialsArn) return undefined;
  if (spec.integrationType !== 'AWS_PROXY' && spec.integrationType !== 'AWS') return undefined;
  const uri = spec.integrationUri ?? '';
  const arn = INVOCATION_URI.exec(uri)?.[1] ?? uri;
  const m = FUNCTION_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition, region, account, name, qualifier] = m as unknown as string[];
  const fn: LambdaFunction = {
    functionArn: `arn:${partition}:lambda:${region}:${account}:function:${name}`,
    partition: partition!,
    region: region!,
    account: account!,
  };
  if (qualifier && qualifier !== '$LATEST') fn.qualifier = qualifier;
  return fn;
}

/** The ARN API Gateway invokes: qualified when the integration names a version or alias. */
export const invokedArn = (fn: LambdaFunction) => (fn.qualifier ? `${fn.functionArn}:${fn.qualifier}` : fn.functionArn);

/** Deterministic, so a lost AddPermission answer meets a 409 and the statement is adopted, never doubled. */
export const statementIdOf = (apiId: string, uid: string) => `apigw-${apiId}-${uid}`.slice(0, 100);

export function wantedStatement(
  fn: LambdaFunction,
  api: { apiId: string; region: string; account: string; uid: string },
): WantedStatement {
  const apiArn = `arn:${fn.partition}:execute-api:${api.region}:${api.account}:${api.apiId}`;
  return {
    fn,
    statementId: statementIdOf(api.apiId, api.uid),
    sourceArn: `${apiArn}/*`,
    apiArn,
    apiAccount: api.account,
  };
}

/** What a person runs to grant the permission by hand. */
/** The AWS CLI command that removes statement `statementId` from the policy of `fn`. */
export function removePermissionCommand(fn: LambdaFunction, statementId: string): string {
  const qualifier = fn.qualifier ? ` --qualifier ${fn.qualifier}` : '';
  return `aws lambda remove-permission --function-name ${fn.functionArn}${qualifier} --statement-id ${statementId} --region ${fn.region}`;
}

export function addPermissionCommand(w: WantedStatement): string {
  return [
    'aws lambda add-permission',
    `--function-name ${w.fn.functionArn}`,
    ...(w.fn.qualifier ? [`--qualifier ${w.fn.qualifier}`] : []),
    `--statement-id ${w.statementId}`,
    '--action lambda:InvokeFunction',
    '--principal apigateway.amazonaws.com',
    `--source-arn '${w.sourceArn}'`,
    `--region ${w.fn.region}`,
  ].join(' ');
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] => list(v).filter((s): s is string => typeof s === 'string');

/** IAM's wildcards: `*` any run of characters, `?` one; `caseless` for action names. */
function globMatches(pattern: string, text: string, caseless = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseless ? 'i' : '').test(text);
}

/** The statements of a policy document (JSON text); none when it does not parse. */
export function statementsOf(policy: string | undefined): Json[] {
  if (!policy) return [];
  try {
    const doc: unknown = JSON.parse(policy);
    return isObject(doc) ? list(doc.Statement).filter(isObject) : [];
  } catch {
    return [];
  }
}

function principalIsApiGateway(p: unknown): boolean {
  if (p === '*') return true;
  if (!isObject(p)) return false;
  return strings(p.Service).includes('apigateway.amazonaws.com') || strings(p.AWS).includes('*');
}

const actionInvokes = (s: Json) => strings(s.Action).some((a) => globMatches(a, 'lambda:InvokeFunction', true));
const resourceIs = (s: Json, arn: string) => strings(s.Resource).some((r) => globMatches(r, arn));

/** Condition values under `key` (matched without case, as IAM's keys are) for the given operators. */
function conditionValues(s: Json, key: string, operators: string[]): string[] | undefined {
  if (!isObject(s.Condition)) return undefined;
  let found: string[] | undefined;
  for (const [op, block] of Object.entries(s.Condition)) {
    if (!isObject(block)) continue;
    for (const [k, v] of Object.entries(block))
      if (k.toLowerCase() === key && operators.includes(op)) found = [...(found ?? []), ...strings(v)];
  }
  return found;
}

const LIKE = ['ArnLike', 'StringLike'];
const EQUALS = ['ArnEquals', 'StringEquals'];

/**
 * Whether the statement's AWS:SourceArn lets some call of this API through. API Gateway names a
 * call `<api ARN>/<stage>/<method>/<path>`, so a value must reach past the API ARN: a pattern with
 * a `/` is judged by its API part (which routes a narrower statement covers is the user's choice),
 * one without must match a call through its own wildcard; the bare API ARN, a common mistake,
 * matches no call at all. No SourceArn condition: any source.
 */
function sourceAllows(s: Json, w: WantedStatement): boolean {
  const like = conditionValues(s, 'aws:sourcearn', LIKE);
  const equals = conditionValues(s, 'aws:sourcearn', EQUALS);
  if (like === undefined && equals === undefined) return true;
  const someCall = `${w.apiArn}/stage/GET/path`;
  const likeAllows = (v: string) =>
    v.includes('/') ? globMatches(v.split('/', 1)[0]!, w.apiArn) : globMatches(v, someCall);
  const equalsAllows = (v: string) => v.includes('/') && v.split('/', 1)[0] === w.apiArn;
  return (like ?? []).some(likeAllows) || (equals ?? []).some(equalsAllows);
}

const JUDGED_KEYS = new Set(['aws:sourcearn', 'aws:sourceaccount']);

/**
 * A condition on anything else (aws:PrincipalOrgID, aws:SourceVpc, ...) is one an API Gateway call
 * cannot be shown to meet, so such a statement is not taken to let the API in, nor to keep it out.
 */
function judgedConditionsOnly(s: Json): boolean {
  if (s.Condition === undefined) return true;
  if (!isObject(s.Condition)) return false;
  return Object.values(s.Condition).every(
    (block) => isObject(block) && Object.keys(block).every((k) => JUDGED_KEYS.has(k.toLowerCase())),
  );
}

function accountAllows(s: Json, w: WantedStatement): boolean {
  const accounts = conditionValues(s, 'aws:sourceaccount', [...EQUALS, ...LIKE]);
  return accounts === undefined || accounts.some((a) => globMatches(a, w.apiAccount));
}

/** Whether a statement, Allow or Deny, speaks of this API invoking this function. */
function applies(s: Json, w: WantedStatement): boolean {
  return (
    principalIsApiGateway(s.Principal) &&
    judgedConditionsOnly(s) &&
    actionInvokes(s) &&
    resourceIs(s, invokedArn(w.fn)) &&
    sourceAllows(s, w) &&
    accountAllows(s, w)
  );
}

/** Whether the function policy lets this API invoke the function: an Allow applies and no Deny does. */
export function policyAllows(policy: string | undefined, w: WantedStatement): boolean {
  const relevant = statementsOf(policy).filter((s) => applies(s, w));
  return relevant.some((s) => s.Effect === 'Allow') && !relevant.some((s) => s.Effect === 'Deny');
}

/** The statement with the operator's id, if the policy holds one; and whether it is the one it would add. */
export function ownStatement(policy: string | undefined, w: WantedStatement): 'absent' | 'same' | 'different' {
  const s = statementsOf(policy).find((x) => x.Sid === w.statementId);
  if (!s) return 'absent';
  const sources = conditionValues(s, 'aws:sourcearn', [...LIKE, ...EQUALS]) ?? [];
  const same = s.Effect === 'Allow' && applies(s, w) && sources.length === 1 && sources[0] === w.sourceArn;
  return same ? 'same' : 'different';
}
