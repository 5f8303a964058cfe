/**
 * One link of a notification as the pipeline reads it (the same shape in strict and lenient parsing). Its own module
 * because both the parser (./notification.ts) and the link choice (./links.ts) need it, and the parser needs the link
 * choice's relation names.
 */
export interface WnmLink {
  href: string;
  rel: string;
  type?: string;
  length?: number;
  title?: string;
  hreflang?: string;
  security?: Record<string, unknown>;
  [extra: string]: unknown;
}
