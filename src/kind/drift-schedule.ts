// Drift checks are scheduled per API, not per object: every object on one API comes due at the
// same moment, so the first check lists the API's integrations (one GetIntegrations) and the rest
// are answered from that listing. The moment is a fixed phase of the drift interval chosen from the
// API's identity, which spreads different APIs over the interval instead of spreading objects.
import type { Place } from './record.ts';

/** A stable number in [0, 1) for the API (FNV-1a over its region and id, then mixed). */
export function apiPhase(place: Place): number {
  let h = 0x811c9dc5;
  for (const ch of `${place.region}/${place.apiId}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final mix, so ids that differ only in their last characters land far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/**
 * Milliseconds until the API's next drift slot at least half an interval away: between 0.5 and 1.5
 * intervals, the same instant for every object on the API.
 */
export function driftDelayMs(now: number, intervalMs: number, place: Place): number {
  const phase = apiPhase(place) * intervalMs;
  const k = Math.floor((now + intervalMs / 2 - phase) / intervalMs) + 1;
  return Math.round(phase + k * intervalMs - now);
}
