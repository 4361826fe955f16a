// axe-core on the map page and the embed, registered into run.mjs's list:
// no serious or critical violation of the WCAG 2.1 A and AA rules once the
// map has drawn, on a laptop (1280×800) and a phone (390×844); on the map
// page also with a snap point's panel and the legend open.
import {accessible, WCAG21AA} from './axe.mjs';

const SIZES = {desktop: {width: 1280, height: 800}, phone: {width: 390, height: 844}};
const SOTON = {lat: 50.9097, lng: -1.4044};

export function register({test, check, idle, pageReady, rendered, TIMEOUT}, base) {
  // openPanel clicks a snap point well inside the map and waits for its
  // crimes to be listed.
  async function openPanel(page) {
    await page.goto(`${base}/#16/${SOTON.lat}/${SOTON.lng}`);
    await pageReady(page);
    const canvas = await page.locator('#map canvas').boundingBox();
    for (const f of await rendered(page, ['crime-points'])) {
      const px = await page.evaluate(c => window.map.project(c), f.coords);
      if (px.x < 40 || px.x > canvas.width - 40 || px.y < 60 || px.y > canvas.height / 2) continue;
      await page.mouse.click(canvas.x + px.x, canvas.y + px.y);
      await page.waitForSelector('#panel table.crimes tbody tr', {timeout: TIMEOUT});
      await page.waitForFunction(() => !window.map.isMoving(), null, {timeout: TIMEOUT});
      await idle(page);
      return;
    }
    check(false, 'no snap point to click in the upper half of the map');
  }

  for (const [name, size] of Object.entries(SIZES)) {
    test(`map-axe-${name}`, async ({page, shot}) => {
      await page.setViewportSize(size);
      await page.goto(`${base}/`);
      await pageReady(page);
      await accessible(page, check, WCAG21AA);
      await openPanel(page);
      if (await page.locator('#legend details').getAttribute('open') === null) await page.click('#legend summary');
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
