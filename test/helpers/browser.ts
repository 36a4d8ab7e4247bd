/**
 * Headless Chromium for end-to-end tests (Debian's `chromium`, installed by scripts/test-services.sh),
 * driven by playwright-core. The flags keep Chromium off the network: this machine has none beyond
 * loopback, and Chromium's background services would otherwise keep dialling out.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, in one line; undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where tests keep screenshots (not committed): test-artifacts/ at the repository root. */
export async function artifactPath(name: string): Promise<string> {
  const dir = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
  await mkdir(dir, { recursive: true });
  return join(dir, name);
}
