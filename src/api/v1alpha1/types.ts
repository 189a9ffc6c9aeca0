// TypeScript types of the ApiIntegration resource, derived from the schema.
import type { Static } from '@sinclair/typebox';
import type { KindObject } from './group.ts';
import type { ApiIntegrationSpec, ApiIntegrationStatus, ObservedIntegration } from './schema.ts';

export type ApiIntegrationSpecT = Static<typeof ApiIntegrationSpec>;
export type ApiIntegrationStatusT = Static<typeof ApiIntegrationStatus>;
export type ObservedIntegrationT = Static<typeof ObservedIntegration>;

export type ApiIntegration = KindObject<ApiIntegrationSpecT, ApiIntegrationStatusT>;

/** `apigw.dev/integration-id`: the integration this object manages (status is not restored by backup tools). */
export const ANNOTATION_INTEGRATION_ID = 'apigw.dev/integration-id';
