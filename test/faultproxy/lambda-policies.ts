// Lambda function policies the way Lambda keeps them, where moto 5.2.1 does not: moto shares one
// policy between a function's versions and aliases, accepts a statement id twice, does not check
// its shape, and ignores the account in a function ARN. The proxy keeps the policies itself, per
// function and qualifier, and asks moto only whether the function exists. Each rule cites Lambda's
// API reference (AddPermission, GetPolicy, RemovePermission: "Errors") or the user guide.
import { answer, composed, parseObject, type Exchange, type Json, type Upstream } from './wire.ts';

export const LAMBDA_POLICY_OPERATIONS: ReadonlySet<string> = new Set([
  'AddPermission',
  'GetPolicy',
  'RemovePermission',
]);

// StatementId: 1-100 characters of ([a-zA-Z0-9-_]+) (AddPermission, Request Parameters).
const STATEMENT_ID = /^[A-Za-z0-9_-]{1,100}$/;
const FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/;

interface FunctionRef {
  /** Unqualified ARN. */
  arn: string;
  name: string;
  account: string;
  qualifier?: string;
}

const notFound = (message: string) => answer('fidelity_not_found', 404, 'ResourceNotFoundException', message);

export class LambdaPolicies {
  private readonly account: string;
  private readonly region: string;
  /** `arn|qualifier` → statement id → statement: a version's or alias's policy is its own (Lambda user guide, "Lambda function versions": each has its own resource-based policy). */
  private readonly policies = new Map<string, Map<string, Json>>();

  constructor(opts: { account: string; region: string }) {
    this.account = opts.account;
    this.region = opts.region;
  }

  async handle(operation: string, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const fn = this.functionOf(path);
    if (!fn) return answer('fidelity_bad_request', 400, 'InvalidParameterValueException', 'Invalid function name');
    // Another account's function: refused unless that account's policy grants the caller, which no
    // test grants (cross-account AddPermission / GetPolicy answer AccessDeniedException, 403).
    if (fn.account !== this.account)
      return answer(
        'fidelity_denied',
        403,
        'AccessDeniedException',
        `User is not authorized to perform: lambda:${operation} on resource: ${fn.arn} because no resource-based policy allows the lambda:${operation} action`,
      );
    const exists = await up.get(`/2015-03-31/functions/${encodeURIComponent(fn.name)}`);
    if (exists.status === 404)
      return notFound(`Function not found: ${fn.arn}${fn.qualifier ? `:${fn.qualifier}` : ''}`);
    if (operation === 'GetPolicy') return this.getPolicy(fn);
    if (operation === 'AddPermission') return this.add(fn, parseObject(body) ?? {});
    return this.remove(fn, decodeURIComponent(path.split('?', 1)[0]!.split('/').at(-1) ?? ''));
  }

  private key = (fn: FunctionRef) => `${fn.arn}|${fn.qualifier ?? ''}`;

  /** GetPolicy of a function without a policy: 404 "The resource you requested does not exist." */
  private getPolicy(fn: FunctionRef): Exchange {
    const held = this.policies.get(this.key(fn));
    if (!held || held.size === 0) return notFound('The resource you requested does not exist.');
    const policy = { Version: '2012-10-17', Id: 'default', Statement: [...held.values()] };
    return composed(200, { Policy: JSON.stringify(policy), RevisionId: String(held.size) });
  }

  /** AddPermission: a taken statement id is 409 ResourceConflictException, whatever the statement. */
  private add(fn: FunctionRef, req: Json): Exchange {
    const sid = typeof req.StatementId === 'string' ? req.StatementId : '';
    if (!STATEMENT_ID.test(sid))
      return answer(
        'fidelity_bad_request',
        400,
        'ValidationException',
        `1 validation error detected: Value '${sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)`,
      );
    const key = this.key(fn);
    const held = this.policies.get(key) ?? new Map<string, Json>();
    if (held.has(sid))
      return answer(
        'fidelity_key_exists',
        409,
        'ResourceConflictException',
        `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      );
    const statement = statementOf(fn, sid, req);
    held.set(sid, statement);
    this.policies.set(key, held);
    return composed(201, { Statement: JSON.stringify(statement) });
  }

  private remove(fn: FunctionRef, sid: string): Exchange {
    const held = this.policies.get(this.key(fn));
    if (!held?.delete(sid)) return notFound(`Statement ${sid} is not found in resource policy.`);
    return composed(204);
  }

  /** The function a request path names: a name, or an ARN (qualified or not), and ?Qualifier=. */
  private functionOf(path: string): FunctionRef | undefined {
    const [route = '', query = ''] = path.split('?', 2);
    const raw = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\/policy/.exec(route)?.[1] ?? '');
    if (!raw) return undefined;
    const m = FUNCTION_ARN.exec(
      raw.startsWith('arn:') ? raw : `arn:aws:lambda:${this.region}:${this.account}:function:${raw}`,
    );
    if (!m) return undefined;
    const [, partition, region, account, name, inArn] = m as unknown as string[];
    const qualifier = new URLSearchParams(query).get('Qualifier') ?? inArn;
    return {
      arn: `arn:${partition}:lambda:${region}:${account}:function:${name}`,
      name: name!,
      account: account!,
      ...(qualifier && qualifier !== '$LATEST' ? { qualifier } : {}),
    };
  }
}

/** The statement as GetPolicy shows it (Lambda user guide, "Viewing resource-based IAM policies"). */
function statementOf(fn: FunctionRef, sid: string, req: Json): Json {
  const principal = String(req.Principal ?? '');
  const condition: Json = {};
  if (typeof req.SourceArn === 'string') condition.ArnLike = { 'AWS:SourceArn': req.SourceArn };
  if (typeof req.SourceAccount === 'string') condition.StringEquals = { 'AWS:SourceAccount': req.SourceAccount };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
    Action: req.Action,
    Resource: fn.qualifier ? `${fn.arn}:${fn.qualifier}` : fn.arn,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}
