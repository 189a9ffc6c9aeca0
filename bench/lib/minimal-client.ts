// The least a client can do to create integrations the way the operator promises to: per object the
// same three writes (finalizer and pending marker; recorded id; status), the same Event and the
// same CreateIntegration, in a plain loop with no informer, queue or cache. Its time is the floor
// that the API server, etcd and the emulator set on this machine for the operator's design; the
// operator's time over it is what the operator itself adds. It talks to the API server through the
// benchmark's own client (HTTP/1.1 keep-alive, node:https), not the operator's HTTP/2 pool, and
// sends no resourceVersion preconditions.
import { ApiGatewayV2Client, CreateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import { FINALIZER } from '../../src/api/v1alpha1/group.ts';
import { markedDescription } from '../../src/apiintegration/desired.ts';
import { pendingAnnotation, recordAnnotations } from '../../src/apiintegration/recorded.ts';
import { LAMBDA, pool, type BenchContext } from './context.ts';
import { crPath, mergePatch } from './kube.ts';

/** What the operator wrote for one object it created: the status and Event the loop copies. */
export interface Written {
  status: NonNullable<ApiIntegration['status']>;
  event: Record<string, unknown>;
}

/** Reads the status and the creation Event the operator wrote in `namespace`. */
export async function writtenByOperator(ctx: BenchContext, namespace: string): Promise<Written> {
  const obj = await ctx.kube.request<ApiIntegration>('GET', crPath(namespace, 'obj-0'));
  const events = await ctx.kube.request<{ items: Record<string, unknown>[] }>(
    'GET',
    `/api/v1/namespaces/${namespace}/events?fieldSelector=involvedObject.name=obj-0`,
  );
  const event = events.items.find((e) => e.type === 'Normal');
  if (!obj.status || !event) throw new Error(`the operator left no status or Event on ${namespace}/obj-0`);
  return { status: obj.status, event };
}

export async function minimalClientLoop(
  ctx: BenchContext,
  target: { awsEndpoint: string; namespace: string; apis: string[]; objs: ApiIntegration[] },
  concurrency: number,
  written: Written,
): Promise<void> {
  const aws = new ApiGatewayV2Client({
    region: ctx.bed.region,
    endpoint: target.awsEndpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const { namespace: ns, apis } = target;
  const events: Promise<unknown>[] = [];
  try {
    await pool(target.objs, concurrency, async (o, i) => {
      const place = { region: ctx.bed.region, apiId: apis[i % apis.length]! };
      const path = crPath(ns, o.metadata.name);
      await mergePatch(ctx.kube, path, {
        metadata: { finalizers: [FINALIZER], annotations: pendingAnnotation(place, Date.now()) },
      });
      const created = await aws.send(
        new CreateIntegrationCommand({
          ApiId: place.apiId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: LAMBDA,
          PayloadFormatVersion: '2.0',
          Description: markedDescription(undefined, o.metadata.uid!),
        }),
      );
      const id = created.IntegrationId!;
      const recorded = await mergePatch(ctx.kube, path, {
        metadata: { annotations: recordAnnotations(id, place, Date.now()) },
      });
      // Sent without waiting for it, where the operator sends its own.
      events.push(ctx.kube.request('POST', `/api/v1/namespaces/${ns}/events`, eventFor(written.event, recorded, ns)));
      await mergePatch(ctx.kube, crPath(ns, o.metadata.name, 'status'), {
        status: { ...written.status, integrationId: id, observedGeneration: recorded.metadata.generation },
      });
    });
    await Promise.all(events);
  } finally {
    aws.destroy();
  }
}

/** The operator's Event, about `obj` now. */
function eventFor(template: Record<string, unknown>, obj: ApiIntegration, ns: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    ...template,
    metadata: { generateName: `${obj.metadata.name}.`, namespace: ns },
    involvedObject: {
      ...(template.involvedObject as object),
      name: obj.metadata.name,
      namespace: ns,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    firstTimestamp: now,
    lastTimestamp: now,
    eventTime: null,
    count: 1,
  };
}
