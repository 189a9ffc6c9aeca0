// TypeScript types of the ApiStage resource, derived from its schema, and the annotation by which a
// user asks for a deployment.
import type { Static } from '@sinclair/typebox';
import type { ApiStageSpec, ApiStageStatus, ObservedStage } from './stage-schema.ts';
import type { KindObject } from './group.ts';

export type ApiStageSpecT = Static<typeof ApiStageSpec>;
export type ApiStageStatusT = Static<typeof ApiStageStatus>;
export type ObservedStageT = Static<typeof ObservedStage>;

export type ApiStage = KindObject<ApiStageSpecT, ApiStageStatusT>;

/**
 * Set to any new value (a timestamp, say) to ask for one deployment now, with either
 * deploymentPolicy; status.lastHandledDeployAt records the value acted on, so each value deploys once.
 */
export const ANNOTATION_DEPLOY_REQUESTED = 'apigw.dev/deploy-requested-at';
