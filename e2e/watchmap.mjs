// Browser tests of Neighbourhood Watch on the map page and the
// neighbourhood pages, registered into run.mjs's list. They run against
// CRIMEMAP_E2E_HOOD_BASE, whose store (watchmap_test.go) holds two active
// schemes in Southampton City Centre, a circle and a polygon, and a
// pending one that must never show.
export function register({test, check, idle, pageReady, rendered, TIMEOUT}) {
  const hoodBase = process.env.CRIMEMAP_E2E_HOOD_BASE;
  const ACTIVE = ['Bargate Watch', 'Ocean Village Watch'];

  // schemePoint finds a screen point inside the named scheme's area where
  // no crime is drawn, so a click there selects the scheme.
  const schemePoint = (page, name) => page.evaluate(name => {
    const m = window.map;
    const crimes = ['crime-points', 'crime-clusters'].filter(l => m.getLayer(l));
    const f = m.queryRenderedFeatures({layers: ['watch-schemes']}).find(x => x.properties.name === name);
    if (!f) return null;
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    const lngs = ring.map(c => c[0]), lats = ring.map(c => c[1]);
    for (let i = 1; i < 8; i++) {
      for (let j = 1; j < 8; j++) {
        const lng = Math.min(...lngs) + (Math.max(...lngs) - Math.min(...lngs)) * i / 8;
        const lat = Math.min(...lats) + (Math.max(...lats) - Math.min(...lats)) * j / 8;
        const p = m.project([lng, lat]);
        const hits = m.queryRenderedFeatures([p.x, p.y], {layers: ['watch-schemes', ...crimes]});
        if (hits.length && hits.every(h => h.layer.id === 'watch-schemes' && h.properties.name === name)) return {x: p.x, y: p.y};
      }
    }
    return null;
  }, name);

  test('watch-layer', async ({page, shot, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await page.goto(`${hoodBase}/?watch=1#14.6/50.9005/-1.3985`);
    await pageReady(page);
    check(await page.isChecked('#watch-layer'), 'watch=1 does not turn the layer on');
    await page.waitForFunction(() => window.map.querySourceFeatures('watch').length >= 2, null, {timeout: TIMEOUT});
    await idle(page);
    const names = [...new Set((await rendered(page, ['watch-schemes'])).map(f => f.props.name))].sort();
    check(names.join() === ACTIVE.join(), `schemes drawn: ${names}`);
    check(await page.isVisible('.legend-watch'), 'no legend line for the schemes');
    await shot('watch-layer');

    // Clicking a scheme names it and links to its page.
    const at = await schemePoint(page, 'Ocean Village Watch');
    check(at, 'no clear point inside Ocean Village Watch');
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + at.x, box.y + at.y);
    await page.waitForSelector('#panel:not([hidden]) .scheme-link');
    check(await page.textContent('#panel-title') === 'Ocean Village Watch', `panel: ${await page.textContent('#panel-title')}`);
    const href = await page.getAttribute('.scheme-link', 'href');
    check(/^\/watch\/schemes\/\d+$/.test(href), `link ${href}`);
    await shot('watch-layer-panel');

    // Turned off, it is hidden and leaves the URL.
    await page.uncheck('#watch-layer');
    await idle(page);
    check((await rendered(page, ['watch-schemes'])).length === 0, 'schemes still drawn with the layer off');
    check(!new URL(page.url()).searchParams.has('watch'), `URL still asks for the layer: ${page.url()}`);

    await Promise.all([page.waitForNavigation(), page.goto(`${hoodBase}${href}`)]);
    check((await page.textContent('h1')) === 'Ocean Village Watch', `scheme page: ${await page.textContent('h1')}`);
  });

  test('watch-layer-zoomed-out', async ({page, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await page.goto(`${hoodBase}/?watch=1#9/50.95/-1.4`);
    await pageReady(page);
    await page.waitForFunction(() => /Zoom in to see Neighbourhood Watch/.test(document.getElementById('status').textContent), null, {timeout: TIMEOUT});
    check((await rendered(page, ['watch-schemes'])).length === 0, 'schemes drawn below the layer\'s zoom');
  });

  test('neighbourhood-watch-schemes', async ({page, shot, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await page.goto(`${hoodBase}/neighbourhoods/hampshire/SO14`);
    const names = await page.$$eval('#watch li a', as => as.map(a => a.textContent));
    check(names.join() === ACTIVE.join(), `schemes listed: ${names}`);
    const where = await page.$$eval('#watch li .where', ss => ss.map(s => s.textContent));
    check(where.every(w => w === 'In this neighbourhood'), `where: ${where}`);
    await page.locator('#watch').scrollIntoViewIfNeeded();
    await shot('neighbourhood-watch-schemes');
    await Promise.all([page.waitForNavigation(), page.click('#watch li a >> text=Bargate Watch')]);
    check(/^\/watch\/schemes\/\d+$/.test(new URL(page.url()).pathname), `landed on ${page.url()}`);
    check((await page.textContent('h1')) === 'Bargate Watch', `scheme page: ${await page.textContent('h1')}`);
  });
}
