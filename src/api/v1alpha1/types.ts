// TypeScript types of the ApiIntegration resource, derived from the schema.
import type { Static } from '@sinclair/typebox';
import type { ApiIntegrationSpec, ApiIntegrationStatus, Condition, ObservedIntegration } from './schema.ts';

export type ApiIntegrationSpecT = Static<typeof ApiIntegrationSpec>;
export type ApiIntegrationStatusT = Static<typeof ApiIntegrationStatus>;
export type ConditionT = Static<typeof Condition>;
export type ObservedIntegrationT = Static<typeof ObservedIntegration>;

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  resourceVersion: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  creationTimestamp?: string;
}

export interface ApiIntegration {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: ApiIntegrationSpecT;
  status?: ApiIntegrationStatusT;
}

export type Protocol = 'HTTP' | 'WEBSOCKET';

export const FINALIZER = 'apigw.dev/finalizer';
export const ANNOTATION_INTEGRATION_ID = 'apigw.dev/integration-id';
/** `region/apiId` of the recorded integration, so a moved spec knows where the old one lives. */
export const ANNOTATION_LOCATION = 'apigw.dev/location';
/** Written before CreateIntegration: `region/apiId`; its presence without an id means a create may have happened. */
export const ANNOTATION_CREATE_PENDING = 'apigw.dev/create-pending';
/**
 * When the recorded id was recorded (RFC 3339), on both kinds: a read that misses a resource made
 * moments ago is looked at again rather than taken for a deletion.
 */
export const ANNOTATION_RECORDED_AT = 'apigw.dev/recorded-at';
/** Set to any new value (a timestamp, say) to ask for an immediate pass with a fresh AWS read. */
export const ANNOTATION_RECONCILE_REQUESTED = 'apigw.dev/reconcile-requested-at';
