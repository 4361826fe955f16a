// Browser tests that nothing on the map page hides what it explains: the
// legend and the crime panel keep clear of the clicked point at desktop and
// phone sizes; and the place search, by keyboard, with its errors in words.
// Registered into run.mjs's list.

export function register({test, check, idle, pageReady, rendered, getJSON, TIMEOUT}, base) {
  const SOTON = {lat: 50.9097, lng: -1.4044};
  const RING = 16; // the selection ring's radius and stroke, in px

  const overlap = (a, b) => a && b && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

  // clickPoint clicks the snap point with 2-15 crimes that pick ranks
  // first among those well inside the map, and waits for its panel and for
  // the map to stop moving.
  async function clickPoint(page, pick) {
    await page.goto(`${base}/#16/${SOTON.lat}/${SOTON.lng}`);
    await pageReady(page);
    const canvas = await page.locator('#map canvas').boundingBox();
    const cand = [];
    for (const f of await rendered(page, ['crime-points'])) {
      const n = Number(f.props.count);
      if (n < 2 || n > 15) continue;
      const px = await page.evaluate(c => window.map.project(c), f.coords);
      if (px.x > 40 && px.x < canvas.width - 40 && px.y > 60 && px.y < canvas.height - 40) cand.push({f, px});
    }
    check(cand.length > 0, 'no snap point with 2-15 crimes in view');
    cand.sort((a, b) => pick(b.px, canvas) - pick(a.px, canvas));
    const {f, px} = cand[0];
    await page.mouse.click(canvas.x + px.x, canvas.y + px.y);
    await page.waitForSelector('#panel table.crimes tbody tr', {timeout: TIMEOUT});
    await page.waitForFunction(() => !window.map.isMoving(), null, {timeout: TIMEOUT});
    await idle(page);
    return {f, before: px, canvas};
  }

  // clearOfPoint checks the highlighted point is on the map, drawn with its
  // ring, and neither the panel nor the legend overlaps it.
  async function clearOfPoint(page, f, canvas) {
    const px = await page.evaluate(c => window.map.project(c), f.coords);
    const ring = {x: canvas.x + px.x - RING, y: canvas.y + px.y - RING, width: 2 * RING, height: 2 * RING};
    check(ring.x >= canvas.x && ring.y >= canvas.y && ring.x + ring.width <= canvas.x + canvas.width && ring.y + ring.height <= canvas.y + canvas.height,
      `the highlighted point ${JSON.stringify(ring)} is off the map ${JSON.stringify(canvas)}`);
    const ringed = await page.evaluate(p => window.map.queryRenderedFeatures([p.x, p.y], {layers: ['selected-point']}).length, px);
    check(ringed > 0, 'the clicked point is not highlighted');
    const panel = await page.locator('#panel').boundingBox();
    const legend = await page.locator('#legend').boundingBox();
    check(panel, 'no panel');
    check(!overlap(panel, ring), `the panel ${JSON.stringify(panel)} covers the point ${JSON.stringify(ring)}`);
    check(!overlap(legend, ring), `the legend ${JSON.stringify(legend)} covers the point ${JSON.stringify(ring)}`);
    return {panel, legend, ring};
  }

  test('nothing-hidden-desktop', async ({page, shot}) => {
    await page.setViewportSize({width: 1280, height: 800});
    // Top right, where a panel in the corner used to open over it.
    const {f, canvas} = await clickPoint(page, (p, c) => p.x - p.y + (p.x < c.width - 400 ? -1e4 : 0));
    check(await page.locator('#legend details').getAttribute('open') !== null, 'legend closed on a large screen');
    const {panel, legend, ring} = await clearOfPoint(page, f, canvas);
    check(!overlap(legend, canvas), `the open legend ${JSON.stringify(legend)} lies over the map ${JSON.stringify(canvas)}`);
    const beside = Math.min(Math.abs(panel.x - (ring.x + ring.width)), Math.abs(ring.x - (panel.x + panel.width)));
    check(beside < 60, `the panel ${JSON.stringify(panel)} is not beside the point ${JSON.stringify(ring)}`);
    await shot('nothing-hidden-desktop');
    // Nothing the map fits to at the start lies under the legend, either.
    await page.goto(`${base}/`);
    await pageReady(page);
    check((await rendered(page, ['crime-clusters'])).length > 0, 'nothing drawn at the start');
  });

  test('nothing-hidden-phone', async ({page, shot}) => {
    await page.setViewportSize({width: 390, height: 844});
    // Low on the map, where a panel on a phone opens.
    const {f, canvas} = await clickPoint(page, p => p.y);
    check(await page.locator('#legend details').getAttribute('open') === null, 'legend open over a phone-sized map');
    const {panel, ring} = await clearOfPoint(page, f, canvas);
    check(panel.y > ring.y + ring.height, `the panel ${JSON.stringify(panel)} is not below the point ${JSON.stringify(ring)}`);
    await shot('nothing-hidden-phone');
    // The legend button opens it, by keyboard too.
    await page.focus('#legend summary');
    await page.keyboard.press('Enter');
    check(await page.locator('#legend details').getAttribute('open') !== null, 'the legend button did not open it');
    check(await page.isVisible('#legend .legend-types'), 'no crime types in the opened legend');
    await shot('legend-open-phone');
  });

  test('place-search', async ({page, shot, skip, expectError}) => {
    const hoodBase = process.env.CRIMEMAP_E2E_HOOD_BASE;
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set (the postcode directory)');
    await page.goto(`${hoodBase}/#9/51.2/-1.3`);
    await pageReady(page);
    const msg = () => page.textContent('#locate-msg');
    const want = await getJSON(`${hoodBase}/v1/locate?q=SO14%207LY`);

    // By keyboard: the box is labelled, Enter searches.
    await page.getByLabel('Find a place', {exact: true}).focus();
    await page.keyboard.type('so14 7ly');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^Showing /.test(document.getElementById('locate-msg').textContent), null, {timeout: TIMEOUT});
    await page.waitForFunction(() => !window.map.isMoving(), null, {timeout: TIMEOUT});
    await idle(page);
    check(/^Showing SO14 7LY/.test(await msg()), `search says ${JSON.stringify(await msg())}`);
    const at = await page.evaluate(() => ({c: window.map.getCenter(), z: window.map.getZoom()}));
    check(Math.abs(at.c.lat - want.point.lat) < 1e-4 && Math.abs(at.c.lng - want.point.lng) < 1e-4 && Math.abs(at.z - 16) < 0.01,
      `the map is at ${JSON.stringify(at)}, want ${JSON.stringify(want.point)} at z16`);
    check((await rendered(page, ['crime-points', 'crime-clusters'])).length > 0, 'no crimes drawn where the search flew');
    await shot('place-search');

    // Errors in words, kept in the status line.
    expectError('/v1/locate?q=ZZ99');
    await page.fill('#locate-q', 'ZZ99 9ZZ');
    await page.press('#locate-q', 'Enter');
    await page.waitForFunction(() => document.getElementById('locate-msg').dataset.kind === 'error', null, {timeout: TIMEOUT});
    check(/^Nothing matches “ZZ99 9ZZ”\. Try a full postcode/.test(await msg()), `unknown postcode says ${JSON.stringify(await msg())}`);
    await page.fill('#locate-q', '  ');
    await page.press('#locate-q', 'Enter');
    await page.waitForFunction(() => /first\.$/.test(document.getElementById('locate-msg').textContent), null, {timeout: TIMEOUT});
    await shot('place-search-error');

    // A street in several places lists them as buttons; the first has focus.
    await page.fill('#locate-q', 'High Street');
    await page.press('#locate-q', 'Enter');
    await page.waitForFunction(() => /^Showing |places match/.test(document.getElementById('locate-msg').textContent), null, {timeout: TIMEOUT});
    if (/places match/.test(await msg())) {
      const focused = await page.evaluate(() => document.activeElement?.closest('.locate-hits') != null);
      check(focused, 'the first place found does not have the focus');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /^Showing /.test(document.getElementById('locate-msg').textContent), null, {timeout: TIMEOUT});
    }
    await page.waitForFunction(() => !window.map.isMoving(), null, {timeout: TIMEOUT});
    check(Math.abs(await page.evaluate(() => window.map.getZoom()) - 17) < 0.01, 'a street search did not fly to the street');
  });
}
