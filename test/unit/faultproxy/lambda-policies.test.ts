// The fidelity proxy's Lambda function policies, where moto differs from Lambda: one policy per
// function and qualifier, a taken statement id refused with 409, a malformed one with 400, another
// account's function with 403, and 404 for a function without a policy or none at all.
import { describe, expect, it } from '@jest/globals';
import { LambdaPolicies } from '../../faultproxy/lambda-policies.ts';
import type { Exchange, Upstream } from '../../faultproxy/wire.ts';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:hello';
const policyPath = (fn: string, q?: string) =>
  `/2015-03-31/functions/${encodeURIComponent(fn)}/policy${q ? `?Qualifier=${q}` : ''}`;
const body = (o: object) => Buffer.from(JSON.stringify(o));
const add = (sid: string) =>
  body({
    StatementId: sid,
    Action: 'lambda:InvokeFunction',
    Principal: 'apigateway.amazonaws.com',
    SourceArn: 'arn:aws:execute-api:us-east-1:123456789012:a1/*',
  });

function upstream(existing: string[]): Upstream {
  const reply = (status: number) => ({ status, headers: {}, body: Buffer.alloc(0) });
  return {
    forward: async () => reply(500),
    get: async (path) => reply(existing.some((n) => path.endsWith(`/functions/${n}`)) ? 200 : 404),
    write: async () => reply(500),
  };
}

const statusOf = (e: Exchange) => (e.kind === 'answer' ? e.status : e.reply.status);
const typeOf = (e: Exchange) => (e.kind === 'answer' ? e.type : undefined);
const sids = (e: Exchange) =>
  e.kind === 'upstream'
    ? (
        JSON.parse(JSON.parse(e.reply.body.toString()).Policy as string) as { Statement: { Sid: string }[] }
      ).Statement.map((s) => s.Sid)
    : [];

describe('LambdaPolicies', () => {
  const up = upstream(['hello']);
  it('answers 404 for a function without a policy, and for a function that does not exist', async () => {
    const lp = new LambdaPolicies({ account: '123456789012', region: 'us-east-1' });
    const none = await lp.handle('GetPolicy', policyPath(FN), Buffer.alloc(0), up);
    expect([statusOf(none), none.kind === 'answer' && none.message]).toEqual([
      404,
      'The resource you requested does not exist.',
    ]);
    const missing = await lp.handle('GetPolicy', policyPath(`${FN}x`), Buffer.alloc(0), up);
    expect(missing).toMatchObject({ status: 404, message: `Function not found: ${FN}x` });
  });
  it('refuses a taken statement id with 409 and keeps one statement', async () => {
    const lp = new LambdaPolicies({ account: '123456789012', region: 'us-east-1' });
    expect(statusOf(await lp.handle('AddPermission', policyPath(FN), add('s1'), up))).toBe(201);
    const again = await lp.handle('AddPermission', policyPath(FN), add('s1'), up);
    expect([statusOf(again), typeOf(again)]).toEqual([409, 'ResourceConflictException']);
    expect(sids(await lp.handle('GetPolicy', policyPath(FN), Buffer.alloc(0), up))).toEqual(['s1']);
  });
  it('keeps a policy per qualifier', async () => {
    const lp = new LambdaPolicies({ account: '123456789012', region: 'us-east-1' });
    await lp.handle('AddPermission', policyPath(FN, 'live'), add('on-alias'), up);
    expect(statusOf(await lp.handle('GetPolicy', policyPath(FN), Buffer.alloc(0), up))).toBe(404);
    expect(sids(await lp.handle('GetPolicy', policyPath(`${FN}:live`), Buffer.alloc(0), up))).toEqual(['on-alias']);
  });
  it('refuses a malformed statement id (400) and another account’s function (403)', async () => {
    const lp = new LambdaPolicies({ account: '123456789012', region: 'us-east-1' });
    expect(statusOf(await lp.handle('AddPermission', policyPath(FN), add('has space'), up))).toBe(400);
    expect(statusOf(await lp.handle('AddPermission', policyPath(FN), add('x'.repeat(101)), up))).toBe(400);
    const other = FN.replace('123456789012', '444455556666');
    const denied = await lp.handle('AddPermission', policyPath(other), add('s1'), up);
    expect([statusOf(denied), typeOf(denied)]).toEqual([403, 'AccessDeniedException']);
  });
  it('removes a statement once; then 404', async () => {
    const lp = new LambdaPolicies({ account: '123456789012', region: 'us-east-1' });
    await lp.handle('AddPermission', policyPath(FN), add('s1'), up);
    expect(statusOf(await lp.handle('RemovePermission', `${policyPath(FN)}/s1`, Buffer.alloc(0), up))).toBe(204);
    expect(statusOf(await lp.handle('RemovePermission', `${policyPath(FN)}/s1`, Buffer.alloc(0), up))).toBe(404);
  });
});
