// Browser tests of the stop-and-search switch of the map page, registered
// into run.mjs's list. They run against CRIMEMAP_E2E_STOPS_BASE, which
// serves Greater Manchester's real stop-and-search files of January and
// February 2018 (named in CRIMEMAP_E2E_STOPS_CSV) beside synthetic crimes,
// and check the page against a count of the files' rows.
import fs from 'node:fs';
import path from 'node:path';

// parseCSV reads RFC 4180 CSV: quoted fields may hold commas, quotes and
// line breaks.
export function parseCSV(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// csvStops reads the stop files into {month, lat, lng, date} rows, the
// month being the one the file names, as the server counts them.
function csvStops(files) {
  const out = [];
  for (const f of files) {
    const month = path.basename(f).slice(0, 7);
    const [head, ...rows] = parseCSV(fs.readFileSync(f, 'utf8'));
    const col = name => head.indexOf(name);
    const [lat, lng, date] = [col('Latitude'), col('Longitude'), col('Date')];
    for (const r of rows) if (r.length === head.length) out.push({month, lat: r[lat], lng: r[lng], date: r[date]});
  }
  return out;
}

export function register({test, check, idle, pageReady, rendered, TIMEOUT}) {
  const base = process.env.CRIMEMAP_E2E_STOPS_BASE;
  const files = (process.env.CRIMEMAP_E2E_STOPS_CSV || '').split(path.delimiter).filter(Boolean);
  const STOP_LAYERS = ['stop-clusters', 'stop-points'];

  const stopsDrawn = page => page.waitForFunction(() => {
    const m = window.map;
    return m.getLayer('stop-points') && m.getLayoutProperty('stop-points', 'visibility') === 'visible' &&
      m.queryRenderedFeatures({layers: ['stop-clusters', 'stop-points']}).length > 0;
  }, null, {timeout: TIMEOUT});

  // clickAt clicks the map at a coordinate.
  const clickAt = async (page, lngLat) => {
    const px = await page.evaluate(c => window.map.project(c), lngLat);
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.click(box.x + px.x, box.y + px.y);
  };

  // panelStops waits for the panel to list a location's searches and
  // returns their datetimes.
  const panelStops = async page => {
    await page.waitForSelector('#panel .stops-result', {timeout: TIMEOUT});
    return page.$$eval('#panel table.stops tbody tr time', ts => ts.map(t => t.getAttribute('datetime')));
  };

  test('stops-layer', async ({page, shot, skip}) => {
    if (!base || !files.length) return skip('CRIMEMAP_E2E_STOPS_BASE or CRIMEMAP_E2E_STOPS_CSV is not set');
    const rows = csvStops(files);
    const located = rows.filter(r => r.lat && r.lng);
    check(located.length > 300, `only ${located.length} located stops in ${files}`);

    // Off by default: the switch is there, nothing is drawn or asked for.
    await page.goto(`${base}/#8/53.5/-2.3`);
    await pageReady(page);
    check(!(await page.isChecked('#stops-layer')), 'the stops layer is on by default');
    check(!(await page.evaluate(() => !!window.map.getSource('stops'))), 'the stops source is loaded with the layer off');

    // Turned on, the grid cells over every located stop (a few of them far
    // from Manchester) add up to the files' rows.
    await page.check('#stops-layer');
    await stopsDrawn(page);
    const lngs = located.map(r => Number(r.lng)), lats = located.map(r => Number(r.lat));
    await page.evaluate(b => window.map.fitBounds(b, {padding: 60, animate: false}),
      [[Math.min(...lngs), Math.min(...lats)], [Math.max(...lngs), Math.max(...lats)]]);
    await idle(page);
    check(new URL(page.url()).searchParams.get('stops') === '1', `URL does not keep the layer: ${page.url()}`);
    const cells = await rendered(page, STOP_LAYERS);
    const drawn = cells.reduce((a, f) => a + Number(f.props.point_count ?? f.props.count), 0);
    check(drawn === located.length, `the layer draws ${drawn} stops, the files hold ${located.length} with a location`);
    check(cells.every(f => f.layer === 'stop-clusters'), 'points drawn below the crimes zoom');
    check(await page.isVisible('.legend-stops'), 'no legend line for stop and search');
    const forces = await page.$$eval('#stops-force option', os => os.map(o => o.value));
    check(forces.join() === ',greater-manchester', `force menu: ${forces}`);
    await shot('stops-layer');

    // A cluster click zooms in.
    const z0 = await page.evaluate(() => window.map.getZoom());
    const size = await page.evaluate(() => ({w: window.map.getCanvas().clientWidth, h: window.map.getCanvas().clientHeight}));
    let target = null;
    for (const f of cells.sort((a, b) => b.props.point_count - a.props.point_count)) {
      const px = await page.evaluate(c => window.map.project(c), f.coords);
      if (px.x > 60 && px.x < size.w - 420 && px.y > 60 && px.y < size.h - 280) { target = f; break; }
    }
    check(target, 'no cluster away from the edges and the legend');
    await clickAt(page, target.coords);
    await page.waitForFunction(z => window.map.getZoom() > z + 1.5 && !window.map.isMoving(), z0, {timeout: TIMEOUT});

    // The place with the most searches in both months, counted in the files.
    const at = new Map();
    for (const r of located) {
      const k = `${r.lat},${r.lng}`;
      if (!at.has(k)) at.set(k, []);
      at.get(k).push(r);
    }
    const score = rs => Math.min(...['2018-01', '2018-02'].map(m => rs.filter(r => r.month === m).length)) * 100 + rs.length;
    const [key, want] = [...at].sort((a, b) => score(b[1]) - score(a[1]))[0];
    const [lat, lng] = key.split(',').map(Number);
    check(score(want) >= 100, `no location with searches in both months: ${key}`);

    await page.goto(`${base}/?stops=1#16.5/${lat}/${lng}`);
    await pageReady(page);
    check(await page.isChecked('#stops-layer'), 'stops=1 does not turn the layer on');
    await stopsDrawn(page);
    await idle(page);
    const points = (await rendered(page, ['stop-points'])).filter(f => Math.abs(f.coords[0] - lng) < 1e-4 && Math.abs(f.coords[1] - lat) < 1e-4);
    check(points.length === 1, `${points.length} stops points at ${key}`);
    check(Number(points[0].props.count) === want.length, `the point counts ${points[0].props.count} stops, the files ${want.length}`);
    await clickAt(page, points[0].coords);
    const listed = await panelStops(page);
    const dates = rs => rs.map(r => new Date(r.date).toISOString()).sort().join();
    check(listed.length === want.length, `the panel lists ${listed.length} searches, the files hold ${want.length} at ${key}`);
    check(dates(listed.map(date => ({date}))) === dates(want), `listed ${listed}, the files ${want.map(r => r.date)}`);
    const cells0 = await page.$$eval('#panel table.stops tbody tr', trs => trs.map(tr => [...tr.cells].map(td => td.textContent.trim())));
    check(cells0.every(r => r.length === 4 && r[0] && !r[1].startsWith('—') && r[2] !== '—' && r[3].split(' · ').length === 3),
      `incomplete rows ${JSON.stringify(cells0)}`);
    await shot('stops-point-panel');

    // One month: the open panel and the point follow the range.
    const feb = want.filter(r => r.month === '2018-02');
    await page.selectOption('#from', '2018-02');
    await page.waitForFunction(n => document.querySelectorAll('#panel table.stops tbody tr').length === n, feb.length, {timeout: TIMEOUT});
    check(dates((await panelStops(page)).map(date => ({date}))) === dates(feb), 'February\'s searches differ from the file\'s');
    check(new URL(page.url()).searchParams.get('from') === '2018-02', `URL: ${page.url()}`);
    await idle(page);
    const febPoint = (await rendered(page, ['stop-points'])).find(f => Math.abs(f.coords[0] - lng) < 1e-4 && Math.abs(f.coords[1] - lat) < 1e-4);
    check(Number(febPoint?.props.count) === feb.length, `February's point counts ${febPoint?.props.count}, the file ${feb.length}`);

    // The force filter is applied and kept in the URL.
    await page.selectOption('#stops-force', 'greater-manchester');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('stops_force') === 'greater-manchester', null, {timeout: TIMEOUT});
    await page.waitForFunction(() => window.map.getSource('stops').tiles[0].includes('force=greater-manchester'), null, {timeout: TIMEOUT});
    await idle(page);
    check((await rendered(page, ['stop-points'])).length > 0, 'no stops drawn for the force');

    // Turned off, it is hidden and leaves the URL.
    await page.uncheck('#stops-layer');
    await idle(page);
    check((await rendered(page, STOP_LAYERS)).length === 0, 'stops still drawn with the layer off');
    const q = new URL(page.url()).searchParams;
    check(!q.has('stops') && !q.has('stops_force'), `URL still asks for the layer: ${page.url()}`);
  });

  test('stops-unknown-force', async ({page, skip}) => {
    if (!base) return skip('CRIMEMAP_E2E_STOPS_BASE is not set');
    // A force with no stops in the data is dropped rather than drawing nothing.
    await page.goto(`${base}/?stops=1&stops_force=hampshire#9/53.5/-2.3`);
    await pageReady(page);
    await stopsDrawn(page);
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('stops_force'), null, {timeout: TIMEOUT});
    check(await page.inputValue('#stops-force') === '', 'the unknown force is still selected');
  });
}
