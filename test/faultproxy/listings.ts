// GetIntegrations and GetRoutes in pages, as API Gateway answers them and moto does not. The model
// gives both operations maxResults and nextToken and botocore's paginators-1.json lists them; the
// AWS CLI calls get-routes "a paginated operation", and a user found get-integrations paged on real
// AWS ("is paginated so you will have to run this multiple times", serverless-websockets-plugin#22).
// moto answers everything in one page whatever maxResults says (reference §2.7), so without this a
// client's page loop never runs. AWS documents neither a default nor a maximum page size; the rule
// uses small pages so that every listing of a few items spans several requests.
//
// The order is the emulator's (creation order), and the token is an opaque encoding of an offset
// into the listing as it is when the next page is asked for. A listing is therefore not a snapshot:
// an item deleted between two pages makes the next page skip one item, and an item created between
// two pages shows up on a later page. Whether AWS's tokens behave like this is not established; an
// offset is the kind that does the most to a client that treats a listing as a snapshot.
import { isObject, type Json } from './wire.ts';

/** Items per page when fidelity is on and no other size is given. */
export const DEFAULT_PAGE_SIZE = 3;

/**
 * AWS's answer to a token it did not issue is not established; the model lists BadRequestException
 * for both listings, and that is modelled.
 */
export const INVALID_TOKEN_MESSAGE = 'Invalid pagination token specified';

/** A token that says nothing a client should rely on: base64url of a small JSON document. */
export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** The offset a token stands for; 0 without a token, undefined for one the proxy did not issue. */
export function offsetOf(token: string | null): number | undefined {
  if (token === null || token === '') return 0;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const o = isObject(v) ? v.o : undefined;
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One page of `items` for a request's query (nextToken, maxResults), at most `pageSize` long and
 * shorter when maxResults (a string in the model) asks for fewer; undefined for a foreign token.
 */
export function pageOf(
  items: Json[],
  query: URLSearchParams,
  pageSize: number,
): { items: Json[]; nextToken?: string } | undefined {
  const from = offsetOf(query.get('nextToken'));
  if (from === undefined) return undefined;
  const asked = Number(query.get('maxResults'));
  const size = Math.max(1, Math.min(pageSize, Number.isInteger(asked) && asked > 0 ? asked : pageSize));
  const page = items.slice(from, from + size);
  return from + size < items.length ? { items: page, nextToken: pageToken(from + size) } : { items: page };
}

/**
 * A listing the rules answer themselves (stages, deployments), paged like the emulator's listings:
 * in pages of `pageSize` (one page when 0); undefined for a token the proxy did not issue.
 */
export function pagedItems(items: Json[], path: string, pageSize: number): Json | undefined {
  const query = new URL(path, 'http://proxy').searchParams;
  if (pageSize <= 0) return offsetOf(query.get('nextToken')) === undefined ? undefined : { items };
  return pageOf(items, query, pageSize);
}
