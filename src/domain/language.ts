/**
 * The language of an answer, from the request's `Accept-Language`, the same for REST, GraphQL over HTTP and GraphQL
 * over websockets: English when English is preferred over Chinese (by q-value, then by order), Chinese otherwise,
 * as the web API doc's default. Languages other than the two are passed over (`fr, en` gives English).
 */
export type Lang = 'zh' | 'en';

export function pickLanguage(acceptLanguage: string | null | undefined): Lang {
  if (!acceptLanguage) return 'zh';
  let best: { lang: Lang; q: number } | null = null;
  for (const part of acceptLanguage.split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang: Lang | null = tag === 'en' || tag.startsWith('en-') ? 'en' : tag === 'zh' || tag.startsWith('zh-') ? 'zh' : null;
    if (lang && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'zh';
}
