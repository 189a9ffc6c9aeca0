// Which API ids a namespace's objects may name, from the Namespace's `apigw.dev/allowed-api-ids`
// annotation. Only cluster administrators can set Namespace annotations, so a tenant cannot widen
// the list from its own objects. Shared by every kind that writes to an API (ApiIntegration,
// ApiRoute): the adapter reads the annotation, this decides.

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
