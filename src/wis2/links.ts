/**
 * Choosing the link to download from a notification (spec §5.2) and the cache host it names (§5.3).
 */
import type { WnmLink } from './wnm-link.js';
import { outcomes, type SkippedOutcome } from './outcomes.js';

export type RelationKind = 'canonical' | 'update' | 'deletion' | 'other';

const RELATION_URI_PREFIX = 'http://def.wmo.int/def/rel/wnm/-/';

/**
 * What a `rel` means for the downloader. Accepts the short names and the older URI forms
 * (`http://def.wmo.int/def/rel/wnm/-/update`, `…/deletion`), in any letter case.
 */
export function relationKind(rel: string): RelationKind {
  let name = rel.trim().toLowerCase();
  if (name.startsWith(RELATION_URI_PREFIX)) name = name.slice(RELATION_URI_PREFIX.length);
  return name === 'canonical' || name === 'update' || name === 'deletion' ? name : 'other';
}

export interface LinkSelectionOptions {
  /**
   * `reference`: exactly the reference (first `rel == "update"`, else first `rel == "canonical"`,
   * exact spelling, any scheme). `lenient` (default): relation names as {@link relationKind}
   * reads them, and only links whose scheme is in `allowedSchemes`.
   */
  mode?: 'reference' | 'lenient';
  /** URL schemes (with the colon) we download in lenient mode. Default `http:` and `https:`. */
  allowedSchemes?: readonly string[];
}

export interface SelectedLink {
  ok: true;
  link: WnmLink;
  href: string;
  relation: 'update' | 'canonical';
  /** True for `update`: the new file replaces an existing one. */
  overwrite: boolean;
  /** The link `length`, used as the pre-download size; null when absent or not a non-negative integer. */
  size: number | null;
  /** Host name of the download URL: the metrics `cache` label, and what `GC_EXCLUDE` compares. */
  cache: string;
}

export interface NoLink {
  ok: false;
  outcome: SkippedOutcome;
  /** The first deletion link, so a caller that honours deletions can act on it. */
  deletion: WnmLink | null;
}

export type LinkSelection = SelectedLink | NoLink;

export const DEFAULT_ALLOWED_SCHEMES: readonly string[] = ['http:', 'https:'];

/** Host name of a URL as the metrics `cache` label shows it; '' when the URL does not parse. */
export function cacheHost(href: string): string {
  try {
    return new URL(href).hostname;
  } catch {
    return '';
  }
}

function selected(link: WnmLink, relation: 'update' | 'canonical'): SelectedLink {
  const size = typeof link.length === 'number' && Number.isSafeInteger(link.length) && link.length >= 0 ? link.length : null;
  return { ok: true, link, href: link.href, relation, overwrite: relation === 'update', size, cache: cacheHost(link.href) };
}

/** Picks the download link: the first update link wins, else the first canonical one. */
export function selectDownloadLink(links: readonly WnmLink[], options: LinkSelectionOptions = {}): LinkSelection {
  const mode = options.mode ?? 'lenient';
  const kindOf = (l: WnmLink): RelationKind =>
    mode === 'reference' ? (l.rel === 'update' || l.rel === 'canonical' ? l.rel : 'other') : relationKind(l.rel);
  const deletion = links.find((l) => relationKind(l.rel) === 'deletion') ?? null;

  if (mode === 'reference') {
    const update = links.find((l) => kindOf(l) === 'update');
    if (update) return selected(update, 'update');
    const canonical = links.find((l) => kindOf(l) === 'canonical');
    if (canonical) return selected(canonical, 'canonical');
    return { ok: false, outcome: outcomes.missingDownloadUrl(), deletion };
  }

  const allowed = options.allowedSchemes ?? DEFAULT_ALLOWED_SCHEMES;
  let refused: WnmLink | null = null;
  const eligible = (l: WnmLink): boolean => {
    let scheme: string;
    try {
      scheme = new URL(l.href).protocol;
    } catch {
      refused ??= l;
      return false;
    }
    if (!allowed.includes(scheme)) {
      refused ??= l;
      return false;
    }
    return true;
  };
  for (const relation of ['update', 'canonical'] as const) {
    for (const link of links) {
      if (kindOf(link) === relation && eligible(link)) return selected(link, relation);
    }
  }
  const refusedLink = refused as WnmLink | null;
  return {
    ok: false,
    outcome: refusedLink ? outcomes.unsupportedDownloadUrl(refusedLink.href) : outcomes.missingDownloadUrl(),
    deletion,
  };
}

/** `GC_EXCLUDE`: an exact, case-sensitive comparison of the download host (§5.3). */
export function isExcludedCache(cache: string, excluded: readonly string[]): boolean {
  return excluded.includes(cache);
}
