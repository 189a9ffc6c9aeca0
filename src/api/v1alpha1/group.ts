// What every kind of the apigw.dev group shares: the group and version, how a kind is named, the
// finalizer and the annotations every kind writes, object metadata and the object itself, the API
// protocol, the closed value sets and value shapes the kinds use (route keys name a route to ApiRoute
// and a route's settings to ApiStage), and the pieces each kind's schema is built from (CEL rules,
// string enums, conditions and the common status fields; common-schema.ts assembles them). Each
// kind's schema (schema.ts for ApiIntegration, route-schema.ts for ApiRoute, stage-schema.ts for
// ApiStage) builds on this file and never on another kind's.
import { Type, type Static } from '@sinclair/typebox';

export const GROUP = 'apigw.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORIES = ['apigw'];

/** A kind's names in the API: its Kind, the lower-case singular and plural, kubectl's short names and categories. */
export interface KindNames<K extends string = string> {
  kind: K;
  singular: string;
  plural: string;
  shortNames: readonly string[];
  categories: readonly string[];
}

/** Every kind of the group is named the Kubernetes way (lower-case singular, plural with an s) and is in its categories. */
export function kindNames<K extends string>(kind: K, shortNames: readonly string[]): KindNames<K> {
  const singular = kind.toLowerCase();
  return { kind, singular, plural: `${singular}s`, shortNames, categories: CATEGORIES };
}

export const FINALIZER = 'apigw.dev/finalizer';
/** `region/apiId` of the recorded resource, so a moved spec knows where the old one lives. */
export const ANNOTATION_LOCATION = 'apigw.dev/location';
/** Written before a create: `region/apiId`; its presence without an id means a create may have happened. */
export const ANNOTATION_CREATE_PENDING = 'apigw.dev/create-pending';
/**
 * When the recorded id was recorded (RFC 3339), on both kinds: a read that misses a resource made
 * moments ago is looked at again rather than taken for a deletion.
 */
export const ANNOTATION_RECORDED_AT = 'apigw.dev/recorded-at';
/** Set to any new value (a timestamp, say) to ask for an immediate pass with a fresh AWS read. */
export const ANNOTATION_RECONCILE_REQUESTED = 'apigw.dev/reconcile-requested-at';

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

/** An object of one of the group's kinds, as the API server stores it. */
export interface KindObject<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type Protocol = 'HTTP' | 'WEBSOCKET';

export const HTTP_METHODS = ['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const DELETION_POLICIES = ['Delete', 'Retain'] as const;
export const MANAGEMENT_POLICIES = ['Manage', 'ObserveOnly'] as const;
export const IAM_ROLE_ARN = '^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/.+$';
/** An AWS region name, e.g. eu-west-1. */
export const REGION_PATTERN = '^[a-z]{2}(-[a-z]+)+-[0-9]+$';
/** API Gateway ids (APIs, integrations, routes, deployments): lowercase letters and digits. */
export const ID_SHAPE = { minLength: 1, maxLength: 64, pattern: '^[a-z0-9]+$' };

/** The route keys API Gateway predefines; `$` starts a variable in selection expressions, so no other key may. */
export const PREDEFINED_ROUTE_KEYS = ['$default', '$connect', '$disconnect'] as const;
/** Predefined keys that exist only on WebSocket APIs. */
export const WEBSOCKET_ROUTE_KEYS = ['$connect', '$disconnect'] as const;

// Route key shapes, shared by CEL rules and the runtime validators (RE2 and JavaScript alike).
// A path is `/` or `/`-separated segments; a path variable is a whole segment `{name}`, and a
// greedy one `{name+}` must come last (developer guide, "Working with path variables").
const SEGMENT = '([^/{}\\s]+|\\{[A-Za-z0-9._-]+\\})';
const GREEDY = '\\{[A-Za-z0-9._-]+\\+\\}';
const METHODS = HTTP_METHODS.join('|');
/** Looks like an HTTP API route: a method, one space, a path. */
export const HTTP_ROUTE_KEY_START = `^(${METHODS}) /`;
/** A well-formed HTTP API route key other than `$default`. */
export const HTTP_ROUTE_KEY = `^(${METHODS}) /(${SEGMENT}/)*(${SEGMENT}|${GREEDY})?$`;

/** A CEL rule of a CRD (`x-kubernetes-validations`), enforced at `kubectl apply`. */
export interface CelRule {
  rule: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired';
  fieldPath?: string;
}

/**
 * The transition rule of a kind that adopts an existing resource by its id (spec.integrationId,
 * spec.routeId): the id names the adopted resource, and changing it would silently re-point the object.
 */
export const adoptedIdRule = (field: string, kind: string, noun: string): CelRule => ({
  rule: `!has(oldSelf.${field}) || (has(self.${field}) && self.${field} == oldSelf.${field})`,
  message: `spec.${field} is immutable once set; create a new ${kind} to adopt a different ${noun}`,
  fieldPath: `.${field}`,
});

export const StringEnum = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

export const Condition = Type.Object(
  {
    type: Type.String({ description: 'Condition type: Ready, Reconciling, Stalled or Live.', maxLength: 316 }),
    status: StringEnum(['True', 'False', 'Unknown'] as const, 'True, False or Unknown.'),
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'metadata.generation the condition was computed from.',
        minimum: 0,
        format: 'int64',
      }),
    ),
    lastTransitionTime: Type.String({ description: 'When the status last changed.', format: 'date-time' }),
    reason: Type.String({ description: 'CamelCase machine-readable reason.', maxLength: 1024 }),
    message: Type.String({ description: 'What happened and what to do about it.', maxLength: 32768 }),
  },
  { description: 'One condition of the object, for the generation it names.' },
);

export type ConditionT = Static<typeof Condition>;

/** What every kind's status carries beside its own fields: generation, conditions, handled request. */
export const COMMON_STATUS = {
  observedGeneration: Type.Optional(
    Type.Integer({ description: 'The metadata.generation last reconciled.', format: 'int64' }),
  ),
  conditions: Type.Optional(
    Type.Unsafe<ConditionT[]>({
      type: 'array',
      description:
        'Ready, Reconciling and Stalled, following the Kubernetes API conventions (kstatus), and Live where the kind reports whether callers are served.',
      items: Condition,
      maxItems: 8,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  ),
  lastHandledReconcileAt: Type.Optional(
    Type.String({
      description: 'The last apigw.dev/reconcile-requested-at value the operator acted on.',
      maxLength: 256,
    }),
  ),
};
