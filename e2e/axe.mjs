// axe-core checks for the browser tests: a page has no serious or critical
// violation of the rules asked for (every rule by default).
import {createRequire} from 'node:module';
import fs from 'node:fs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The WCAG 2.1 A and AA rules.
export const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// axe runs through the DevTools protocol, which the page's CSP does not
// govern, so the page needs no change to be checked.
export async function accessible(page, check, tags = null) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(tags => window.axe.run(document, {
    resultTypes: ['violations'], ...(tags ? {runOnly: {type: 'tag', values: tags}} : {}),
  }), tags);
  const bad = res.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe: ${bad.map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ')}`).join('; ')}`);
}
