// axe-core on the map page and the embed, registered into run.mjs's list:
// no serious or critical violation of the WCAG 2.1 A and AA rules once the
// map has drawn, on a laptop (1280×800) and a phone (390×844).
import {accessible, WCAG21AA} from './axe.mjs';

const SIZES = {desktop: {width: 1280, height: 800}, phone: {width: 390, height: 844}};

export function register({test, check, idle, pageReady}, base) {
  for (const [name, size] of Object.entries(SIZES)) {
    test(`map-axe-${name}`, async ({page, shot}) => {
      await page.setViewportSize(size);
      await page.goto(`${base}/`);
      await pageReady(page);
      await accessible(page, check, WCAG21AA);
      await shot(`map-axe-${name}`);
    });

    test(`embed-axe-${name}`, async ({page, shot}) => {
      await page.setViewportSize(size);
      await page.goto(`${base}/embed?lat=50.9097&lng=-1.4044&radius_m=500`);
      await page.waitForFunction(() => window.map, null);
      await idle(page);
      await accessible(page, check, WCAG21AA);
      await shot(`embed-axe-${name}`);
    });
  }
}
