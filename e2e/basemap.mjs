// Browser tests of the default basemap, registered into run.mjs's list:
// national, city and street views draw land, sea and names from this
// server's own tiles and glyphs, and no request leaves the server.

export function register({test, check, idle, getJSON, TIMEOUT}, base) {
  // offsite lists the requests a page makes to anywhere but base.
  function watchRequests(page) {
    const offsite = [];
    page.on('request', req => {
      const u = req.url();
      if (!u.startsWith(base + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) offsite.push(u);
    });
    return offsite;
  }

  // landAt says whether the land layer is drawn at a point, and that the
  // point is on screen.
  const landAt = (page, lng, lat) => page.evaluate(([lng, lat]) => {
    const p = window.map.project([lng, lat]);
    const c = window.map.getCanvas();
    if (p.x < 0 || p.y < 0 || p.x > c.clientWidth || p.y > c.clientHeight) return null;
    return window.map.queryRenderedFeatures(p, {layers: ['basemap-land']}).length > 0;
  }, [lng, lat]);

  const labels = (page, layer) => page.evaluate(l => window.map.queryRenderedFeatures({layers: [l]})
    .map(f => f.properties.name), layer);

  async function view(page, hash) {
    await page.goto(`${base}/${hash}`);
    await page.waitForFunction(() => window.crimemap && window.map, null, {timeout: TIMEOUT});
    await idle(page);
  }

  test('basemap-national', async ({page, shot}) => {
    const offsite = watchRequests(page);
    await view(page, '#5/54.3/-3');
    check(await landAt(page, -1.5, 52.5) === true, 'no land drawn in the Midlands');
    check(await landAt(page, -7.5, 53.2) === true, 'no land drawn in Ireland');
    check(await landAt(page, 1.5, 54.5) === false, 'land drawn in the North Sea');
    check(await landAt(page, -5.5, 53.8) === false, 'land drawn in the Irish Sea');
    const places = await labels(page, 'basemap-places');
    check(places.includes('Southampton'), `national view names ${JSON.stringify(places)}, not Southampton`);
    check(offsite.length === 0, `requests left the server: ${offsite.slice(0, 3).join(', ')}`);
    await shot('basemap-national');
  });

  test('basemap-city', async ({page, shot}) => {
    const offsite = watchRequests(page);
    await view(page, '#11/50.87/-1.35');
    check(await landAt(page, -1.40, 50.91) === true, 'no land under central Southampton');
    check(await landAt(page, -1.355, 50.855) === false, 'Southampton Water drawn as land');
    const places = await labels(page, 'basemap-places');
    check(places.length >= 2, `city view names only ${JSON.stringify(places)}`);
    check(offsite.length === 0, `requests left the server: ${offsite.slice(0, 3).join(', ')}`);
    await shot('basemap-city');
  });

  test('basemap-street', async ({page, shot}) => {
    const offsite = watchRequests(page);
    await view(page, '#16/50.9097/-1.4044');
    check(await landAt(page, -1.4044, 50.9097) === true, 'no land at street zoom');
    const streets = await labels(page, 'basemap-streets');
    check(streets.length >= 3, `street view names ${JSON.stringify(streets)}`);
    check(streets.every(s => !s.startsWith('On or near')), `street labels keep the prefix: ${streets[0]}`);
    check(offsite.length === 0, `requests left the server: ${offsite.slice(0, 3).join(', ')}`);
    await shot('basemap-street');
  });

  test('landing-opens-on-data', async ({page, shot, skip}) => {
    const mb = process.env.CRIMEMAP_E2E_MULTI_BASE;
    if (!mb) return skip('CRIMEMAP_E2E_MULTI_BASE is not set');
    const meta = await getJSON(`${mb}/v1/meta`);
    await page.goto(`${mb}/`);
    await page.waitForFunction(() => window.crimemap && window.map, null, {timeout: TIMEOUT});
    await idle(page);
    const url = new URL(page.url());
    check(url.searchParams.get('from') === meta.default_from && url.searchParams.get('to') === meta.default_to,
      `landing URL ${url.search} lacks the default months ${meta.default_from}..${meta.default_to}`);
    const counts = await getJSON(`${mb}/v1/counts?from=${meta.default_from}&to=${meta.default_to}`);
    const onScreen = (await page.evaluate(() => window.map.queryRenderedFeatures({layers: ['crime-clusters']})
      .map(f => Number(f.properties.point_count)))).reduce((a, b) => a + b, 0);
    // Tiles repeat nothing, so what is on screen is at most the total; the
    // view holds the bulk of the crimes of every force, not one corner.
    check(onScreen >= 0.9 * counts.total, `landing shows ${onScreen} of ${counts.total} crimes`);
    check(meta.forces.length > 10, `synthetic archive has ${meta.forces.length} forces`);
    // The open legend sits beside the data, not over it.
    const hidden = await page.evaluate(() => {
      const lg = document.querySelector('#legend').getBoundingClientRect();
      const c = window.map.getContainer().getBoundingClientRect();
      let under = 0;
      for (const f of window.map.queryRenderedFeatures({layers: ['crime-clusters']})) {
        const p = window.map.project(f.geometry.coordinates);
        const x = c.left + p.x, y = c.top + p.y;
        if (x >= lg.left && x <= lg.right && y >= lg.top && y <= lg.bottom) under += Number(f.properties.point_count);
      }
      return under;
    });
    check(hidden <= 0.02 * counts.total, `${hidden} of ${counts.total} crimes lie under the legend`);
    await shot('landing-opens-on-data');
  });

  test('embed-default-month', async ({page, shot}) => {
    await page.setViewportSize({width: 640, height: 360});
    await page.goto(`${base}/embed?lat=50.9097&lng=-1.4044&radius_m=500`);
    const h1 = await page.textContent('#summary h1');
    check(/^[1-9][\d,]* crimes? in February 2017$/.test(h1.trim()), `embed heading ${JSON.stringify(h1)}`);
    const note = await page.textContent('#summary .month-note');
    check(/Hampshire/.test(note), `embed month note ${JSON.stringify(note)}`);
    check(/OpenStreetMap contributors/.test(await page.textContent('#summary .attribution')), 'no coastline attribution');
    await page.goto(`${base}/embed?lat=57.48&lng=-4.22`);
    check(/No crimes recorded near here/.test(await page.textContent('#summary h1')), 'no words for a point without data');
    await shot('embed-no-data');
  });
}
