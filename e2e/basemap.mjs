// Browser tests of the default basemap, registered into run.mjs's list:
// national, city and street views draw land, sea and names from this
// server's own tiles and glyphs, and no request leaves the server.

export function register({test, check, idle, TIMEOUT}, base) {
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
}
