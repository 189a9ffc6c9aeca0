// What a namespace's objects may name, from annotations on the Namespace: which API ids
// (`apigw.dev/allowed-api-ids`, every kind that writes to an API: ApiIntegration, ApiRoute) and which
// integration roles (`apigw.dev/allowed-credentials-arns`, ApiIntegration only: no other kind hands a
// role to API Gateway). Only cluster administrators can set Namespace annotations, so a tenant cannot
// widen a list from its own objects. The adapter reads the annotations, this decides.

export const ALLOWED_API_IDS_ANNOTATION = 'apigw.dev/allowed-api-ids';

/** The entry that allows every API: lets an administrator opt a namespace out when the list is required. */
export const ANY_API = '*';

/**
 * `any`: no limit (the annotation lists `*`, or is absent and not required). Otherwise the listed
 * ids, possibly none: `missing` says the annotation is absent while the operator requires it.
 */
export type AllowedApis = { any: true } | { any: false; ids: readonly string[]; missing: boolean };

export const ANY_APIS: AllowedApis = { any: true };

/**
 * Parses the annotation: ids separated by commas and/or whitespace. Present but empty allows none
 * (an administrator's explicit "nothing"); absent allows any unless `required`.
 */
export function allowedApisOf(annotation: string | undefined, required: boolean): AllowedApis {
  if (annotation === undefined) return required ? { any: false, ids: [], missing: true } : ANY_APIS;
  const ids = annotation.split(/[\s,]+/).filter(Boolean);
  return ids.includes(ANY_API) ? ANY_APIS : { any: false, ids, missing: false };
}

export function allows(allowed: AllowedApis, apiId: string): boolean {
  return allowed.any || allowed.ids.includes(apiId);
}

/** The one call a reconciler needs: may an object in a namespace with this annotation name `apiId`? */
export function apiAllowed(annotation: string | undefined, apiId: string, required: boolean): boolean {
  return allows(allowedApisOf(annotation, required), apiId);
}

/** Why `apiId` is refused, for a person reading the object's status. */
export function apiNotAllowedMessage(namespace: string, apiId: string, allowed: AllowedApis): string {
  const fix = `ask a cluster administrator to add it to the Namespace's ${ALLOWED_API_IDS_ANNOTATION} annotation`;
  if (allowed.any) return `API ${apiId} is allowed in namespace ${namespace}`;
  if (allowed.missing)
    return `API ${apiId} is not allowed in namespace ${namespace}: the operator requires the ${ALLOWED_API_IDS_ANNOTATION} annotation and the Namespace has none; ${fix}`;
  const listed = allowed.ids.length > 0 ? `it allows only ${allowed.ids.join(', ')}` : 'it allows no API';
  return `API ${apiId} is not allowed in namespace ${namespace} (${listed}); ${fix}`;
}

// Which IAM roles a namespace's integrations may hand to API Gateway in `spec.credentialsArn`, from
// the Namespace's `apigw.dev/allowed-credentials-arns` annotation. The operator's iam:PassRole grant
// is account-wide, so without this list a tenant allowed on its own API could still name another
// team's integration role (one that may send to that team's queue, say).

export const ALLOWED_CREDENTIALS_ARNS_ANNOTATION = 'apigw.dev/allowed-credentials-arns';

/** `any`: no limit (the annotation is absent, or lists `*` alone as an entry). Otherwise the patterns, possibly none. */
export type AllowedCredentials = { any: true } | { any: false; patterns: readonly string[] };

export const ANY_CREDENTIALS: AllowedCredentials = { any: true };

/**
 * Parses the annotation: ARN patterns separated by commas and/or whitespace. Present but empty
 * allows no role (an integration without `credentialsArn` is always allowed); absent allows any.
 */
export function allowedCredentialsOf(annotation: string | undefined): AllowedCredentials {
  if (annotation === undefined) return ANY_CREDENTIALS;
  const patterns = annotation.split(/[\s,]+/).filter(Boolean);
  return patterns.includes('*') ? ANY_CREDENTIALS : { any: false, patterns };
}

/**
 * Whether `pattern` matches `arn`: `*` stands for any run of characters within one colon-separated
 * segment (it crosses `/`, so `role/team-a-*` also covers roles under a path, but never `:`, so a
 * crafted value cannot slide another account or service under a pattern's `*`); everything else is
 * literal and case-sensitive.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  const body = pattern
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^:]*');
  return new RegExp(`^${body}$`).test(arn);
}

/** May an integration in a namespace with this list pass `credentialsArn` (none: always)? */
export function credentialsAllowed(allowed: AllowedCredentials, credentialsArn: string | undefined): boolean {
  if (credentialsArn === undefined || allowed.any) return true;
  return allowed.patterns.some((p) => arnMatches(p, credentialsArn));
}

/** Why `credentialsArn` is refused, for a person reading the object's status. */
export function credentialsNotAllowedMessage(
  namespace: string,
  credentialsArn: string,
  allowed: AllowedCredentials,
): string {
  if (allowed.any) return `credentialsArn ${credentialsArn} is allowed in namespace ${namespace}`;
  const listed =
    allowed.patterns.length > 0 ? `it allows only ${allowed.patterns.join(', ')}` : 'it allows no credentialsArn';
  return `credentialsArn ${credentialsArn} is not allowed in namespace ${namespace} (${listed}); ask a cluster administrator to add a matching pattern to the Namespace's ${ALLOWED_CREDENTIALS_ARNS_ANNOTATION} annotation, or name an allowed role`;
}
