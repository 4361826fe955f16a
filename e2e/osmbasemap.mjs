// Browser tests of serve --basemap, registered into run.mjs's list. They run
// against CRIMEMAP_E2E_OSM_BASE: the bundled month with a small archive in
// the Protomaps schema around Southampton (internal/testsupport/osmarchive),
// drawn with the vendored Protomaps style, its sprites and glyphs from the
// binary; no request leaves the server.

import {accessible, WCAG21AA} from './axe.mjs';

// The archive's features (osmarchive): a land point, Southampton Water, the
// east-west main road and the north-south street.
const LAND = [-1.45, 50.93];
const WATER = [-1.355, 50.86];
const ROAD = {name: 'Test Avenue', lat: 50.91};

export function register({test, check, idle, rendered, TIMEOUT}) {
  const osmBase = process.env.CRIMEMAP_E2E_OSM_BASE;

  function watchRequests(page) {
    const seen = {offsite: [], osmTiles: 0};
    page.on('request', req => {
      const u = req.url();
      if (u.startsWith(osmBase + '/tiles/osm/')) seen.osmTiles++;
      if (!u.startsWith(osmBase + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) seen.offsite.push(u);
    });
    return seen;
  }

  // drawnAt lists the style layers drawn at a point that is on screen.
  const drawnAt = (page, lngLat, layers) => page.evaluate(([c, ls]) => {
    const p = window.map.project(c);
    const cv = window.map.getCanvas();
    if (p.x < 0 || p.y < 0 || p.x > cv.clientWidth || p.y > cv.clientHeight) return null;
    return window.map.queryRenderedFeatures(p, {layers: ls}).map(f => f.layer.id);
  }, [lngLat, layers]);

  async function view(page, path) {
    await page.goto(osmBase + path);
    await page.waitForFunction(() => window.map, null, {timeout: TIMEOUT});
    await idle(page);
  }

  // hideCrimes hides the crime layers, whose counts would otherwise take
  // the place of the basemap's names in label collisions.
  async function hideCrimes(page) {
    await page.evaluate(() => {
      for (const l of window.map.getStyle().layers) {
        if (l.id.startsWith('crime-')) window.map.setLayoutProperty(l.id, 'visibility', 'none');
      }
    });
    await idle(page);
  }

  test('osm-basemap-city', async ({page, shot, skip}) => {
    if (!osmBase) return skip('CRIMEMAP_E2E_OSM_BASE is not set');
    const seen = watchRequests(page);
    await page.goto(`${osmBase}/#11/50.895/-1.40`);
    await page.waitForFunction(() => window.crimemap && window.map, null, {timeout: TIMEOUT});
    await idle(page);
    const ids = await page.evaluate(() => window.map.getStyle().layers.map(l => l.id));
    check(!ids.includes('basemap-land'), 'the default basemap is drawn as well');
    check(ids.indexOf('earth') >= 0 && ids.indexOf('crime-clusters') > ids.indexOf('places_country'),
      `crime layers are not above the Protomaps layers: ${ids.join(',')}`);
    const land = await drawnAt(page, LAND, ['earth', 'water']);
    check(land && land.includes('earth') && !land.includes('water'), `at the land point: ${JSON.stringify(land)}`);
    const water = await drawnAt(page, WATER, ['earth', 'water']);
    check(water && water.includes('water'), `Southampton Water not drawn: ${JSON.stringify(water)}`);
    const roads = await rendered(page, ['roads_major']);
    check(roads.some(f => f.props.name === ROAD.name), `no major road drawn: ${JSON.stringify(roads.slice(0, 3))}`);
    check((await rendered(page, ['crime-clusters'])).length > 0, 'no crime cluster drawn over the basemap');
    check(seen.osmTiles > 0, 'no /tiles/osm/ tile was requested');
    check(seen.offsite.length === 0, `requests left the server: ${seen.offsite.slice(0, 3).join(', ')}`);
    await accessible(page, check, WCAG21AA);
    await shot('osm-basemap-city');
  });

  test('osm-basemap-labels', async ({page, shot, skip}) => {
    if (!osmBase) return skip('CRIMEMAP_E2E_OSM_BASE is not set');
    const seen = watchRequests(page);
    await view(page, '/#9/50.91/-1.40');
    await hideCrimes(page);
    const places = await rendered(page, ['places_locality']);
    check(places.some(f => /Southampton/.test(String(f.props.name))), `no Southampton label: ${JSON.stringify(places)}`);
    await view(page, '/#15/50.91/-1.41');
    await hideCrimes(page);
    const labels = await rendered(page, ['roads_labels_major']);
    check(labels.some(f => f.props.name === ROAD.name), `no road name drawn: ${JSON.stringify(labels.slice(0, 3))}`);
    check((await rendered(page, ['roads_minor'])).length > 0, 'no minor road drawn at street zoom');
    check(seen.offsite.length === 0, `requests left the server: ${seen.offsite.slice(0, 3).join(', ')}`);
    await shot('osm-basemap-street');
  });

  test('osm-basemap-embed', async ({page, shot, skip}) => {
    if (!osmBase) return skip('CRIMEMAP_E2E_OSM_BASE is not set');
    const seen = watchRequests(page);
    await view(page, '/embed?lat=50.9097&lng=-1.4044&radius_m=500');
    const here = await drawnAt(page, [-1.4044, 50.9097], ['earth']);
    check(here && here.includes('earth'), `embed draws no earth under the point: ${JSON.stringify(here)}`);
    check(seen.offsite.length === 0, `requests left the server: ${seen.offsite.slice(0, 3).join(', ')}`);
    await shot('osm-basemap-embed');
  });
}
