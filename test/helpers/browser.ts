// Headless Chromium for browser tests, through playwright-core and the system (Debian) chromium.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the Debian package installs chromium; override with CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The `skip` option for a suite that needs chromium: false when it is installed, otherwise the reason. */
export function needsChromium(): false | string {
  return existsSync(chromiumPath) ? false : `needs chromium at ${chromiumPath} (apt-get install -y chromium), which is absent`;
}

/** Launches headless chromium with no sandbox, GPU, background networking, component updates or sync. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
