/** The inline report viewer: an iframe below the sections that shows one HTML report of the service. */
import { byId } from './dom.js';

export interface ReportViewer {
  open(url: string, title: string): void;
  close(): void;
  /** Closes the viewer if the report it shows is one `matches` picks (a deleted task's). */
  closeIf(matches: (url: string) => boolean): void;
}

export function initViewer(): ReportViewer {
  const section = byId('viewer');
  const heading = byId('viewer-title');
  const frame = byId<HTMLIFrameElement>('viewer-frame');
  const link = byId<HTMLAnchorElement>('viewer-link');
  let current: string | null = null;

  const viewer: ReportViewer = {
    open(url, title) {
      current = url;
      heading.textContent = title;
      frame.title = title;
      frame.src = url;
      link.href = url;
      section.hidden = false;
      section.scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
    close() {
      current = null;
      section.hidden = true;
      frame.src = 'about:blank';
    },
    closeIf(matches) {
      if (current !== null && matches(current)) viewer.close();
    },
  };
  byId('viewer-close').addEventListener('click', () => viewer.close());
  return viewer;
}
