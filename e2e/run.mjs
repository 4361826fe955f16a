// Browser tests of the map page and the embed, run by e2e_test.go against a
// server on the bundled data:
//
//   node e2e/run.mjs BASEURL SCREENSHOT_DIR [TEST_NAME...]
//
// Each test runs in a fresh browser context, fails on any console error,
// uncaught exception or failed tile request, and saves a screenshot whose
// path it prints. The exit status is the number of failed tests (capped).
import {chromium} from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [base, shotDir, ...only] = process.argv.slice(2);
if (!base || !shotDir) {
  console.error('usage: node run.mjs BASEURL SCREENSHOT_DIR [TEST_NAME...]');
  process.exit(2);
}
fs.mkdirSync(shotDir, {recursive: true});

const CHROMIUM = process.env.CRIMEMAP_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.CRIMEMAP_E2E_TIMEOUT_MS || 45000);
// A busy part of Southampton in the bundled month.
const SOTON = {lat: 50.9097, lng: -1.4044};

class Failure extends Error {}
function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

// bounded settles as p does, or fails naming what it waited for once ms
// have passed: page.evaluate has no timeout of its own, so a page promise
// waiting on a map event that never comes would otherwise hang the run.
function bounded(p, what, ms = TIMEOUT) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// mapState describes what keeps a map from going idle, for a timeout's
// message.
const mapState = frame => bounded(frame.evaluate(() => {
  const m = window.map;
  return `loaded ${m.loaded()}, tiles loaded ${m.areTilesLoaded()}, moving ${m.isMoving()}, zoom ${m.getZoom().toFixed(2)}`;
}), 'map state', 5000).catch(err => err.message);

// idle resolves once the map has drawn everything it has asked for.
// MapLibre fires 'idle' only at the end of a frame, and a tile can finish
// loading (and the map become loaded) without asking for another frame:
// waiting for the event alone then waits for ever. So while the map looks
// settled, it is asked to draw once more, which fires 'idle' if it is.
async function idle(page, frame = page) {
  await frame.waitForFunction(() => window.map && window.map.loaded !== undefined, null, {timeout: TIMEOUT});
  try {
    await bounded(frame.evaluate(() => new Promise(resolve => {
      const m = window.map;
      const nudge = () => {
        if (m.loaded() && m.areTilesLoaded() && !m.isMoving()) m.triggerRepaint();
      };
      const timer = setInterval(nudge, 200);
      m.once('idle', () => {
        clearInterval(timer);
        resolve();
      });
      nudge();
    })), "map 'idle' event");
  } catch (err) {
    if (err instanceof Failure) err.message += ` (${await mapState(frame)})`;
    throw err;
  }
}

async function pageReady(page) {
  await page.waitForFunction(() => window.crimemap && window.map, null, {timeout: TIMEOUT});
  await idle(page);
}

const rendered = (page, layers) => page.evaluate(ls => window.map.queryRenderedFeatures({layers: ls.filter(l => window.map.getLayer(l))})
  .map(f => ({layer: f.layer.id, props: f.properties, coords: f.geometry.type === 'Point' ? f.geometry.coordinates : null})), layers);

async function getJSON(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Failure(`${url}: HTTP ${res.status}`);
  return res.json();
}

const tests = [];
const test = (name, fn) => tests.push({name, fn});

test('map-page-loads', async ({page, tiles, shot}) => {
  await page.goto(`${base}/`);
  await pageReady(page);
  const info = await page.textContent('#dataset-info');
  check(/14,834 crimes/.test(info), `dataset line says ${JSON.stringify(info)}, want 14,834 crimes`);
  check(tiles.ok.length > 0, 'no tile was requested');
  const feats = await rendered(page, ['crime-clusters']);
  check(feats.length > 0, 'no cluster rendered at the starting view');
  const total = feats.reduce((a, f) => a + Number(f.props.point_count), 0);
  check(total > 1000, `clusters on screen add up to only ${total} crimes`);
  check(await page.isVisible('#legend details'), 'no legend');
  await shot('map-page');
});

test('snap-points-and-type-filter', async ({page, tiles, shot}) => {
  await page.goto(`${base}/#15/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  const before = await rendered(page, ['crime-points']);
  check(before.length > 20, `only ${before.length} snap points at z15 in Southampton`);
  check(before.every(f => Number(f.props.count) > 0 && f.props.location_id != null), 'a snap point lacks count or location_id');
  await shot('points-all-types');

  const n0 = tiles.ok.length;
  await page.click('#cat-none');
  await page.getByLabel('Shoplifting', {exact: true}).check();
  await page.waitForFunction(() => location.search.includes('category=shoplifting'), null, {timeout: TIMEOUT});
  await page.waitForFunction(n => window.__tileCount > n, n0, {timeout: TIMEOUT}).catch(() => {});
  await idle(page);
  const filtered = tiles.ok.slice(n0);
  check(filtered.length > 0 && filtered.every(u => u.includes('category=shoplifting')), 'tiles were not re-requested with the filter');
  const after = await rendered(page, ['crime-points']);
  check(after.length > 0, 'no shoplifting rendered');
  check(after.length < before.length, `the filter did not change what is drawn (${before.length} -> ${after.length} points)`);
  for (const f of after) {
    check(Number(f.props.shoplifting) === Number(f.props.count), `point ${f.props.location_id} holds ${f.props.count} crimes but ${f.props.shoplifting} shoplifting`);
  }
  await shot('points-shoplifting');

  // The state is in the URL: opening it again shows the same view.
  await page.goto(page.url());
  await pageReady(page);
  const checked = await page.$$eval('input[name=category]:checked', els => els.map(e => e.value));
  check(checked.length === 1 && checked[0] === 'shoplifting', `reloaded page has types ${checked}`);
  const again = await rendered(page, ['crime-points']);
  check(again.length === after.length, `reloaded page draws ${again.length} points, want ${after.length}`);
});

test('click-snap-point-lists-crimes', async ({page, shot}) => {
  await page.goto(`${base}/#16/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  const size = await page.evaluate(() => ({w: window.map.getCanvas().clientWidth, h: window.map.getCanvas().clientHeight}));
  const feats = await rendered(page, ['crime-points']);
  // A point with a few crimes, away from the edges and the legend.
  const cand = [];
  for (const f of feats) {
    const n = Number(f.props.count);
    if (n < 2 || n > 15) continue;
    const px = await page.evaluate(c => window.map.project(c), f.coords);
    if (px.x > 60 && px.x < size.w - 60 && px.y > 60 && px.y < size.h - 280) cand.push({f, px});
  }
  check(cand.length > 0, 'no snap point with 2-15 crimes in view');
  const {f, px} = cand[0];
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + px.x, box.y + px.y);
  await page.waitForSelector('#panel table.crimes tbody tr', {timeout: TIMEOUT});
  const rows = await page.$$eval('#panel table.crimes tbody tr:not(.history-row)', trs => trs.map(tr => [...tr.cells].map(td => td.textContent.trim())));
  check(rows.length === Number(f.props.count), `panel lists ${rows.length} crimes, the point holds ${f.props.count}`);
  for (const r of rows) {
    check(r[0] && r[1] === 'Feb 2017' && r[2], `incomplete crime row ${JSON.stringify(r)}`);
  }
  const title = await page.textContent('#panel h2');
  check(title === f.props.street, `panel title ${JSON.stringify(title)}, want ${JSON.stringify(f.props.street)}`);
  const history = page.locator('#panel button.history').first();
  if (await history.count()) {
    await history.click();
    await page.waitForSelector('#panel .history-row ol li, #panel .history-row:has-text("No outcomes recorded")', {timeout: TIMEOUT});
    check(await history.getAttribute('aria-expanded') === 'true', 'history button does not say it is expanded');
  }
  await shot('snap-point-panel');
});

test('cluster-click-zooms-in', async ({page, shot}) => {
  await page.goto(`${base}/#9/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  const z0 = await page.evaluate(() => window.map.getZoom());
  const feats = (await rendered(page, ['crime-clusters'])).filter(f => f.props.cluster_id != null && Number(f.props.point_count) > 20);
  check(feats.length > 0, 'no cluster to click');
  const size = await page.evaluate(() => ({w: window.map.getCanvas().clientWidth, h: window.map.getCanvas().clientHeight}));
  let target = null;
  for (const f of feats) {
    const px = await page.evaluate(c => window.map.project(c), f.coords);
    if (px.x > 60 && px.x < size.w - 60 && px.y > 60 && px.y < size.h - 280) { target = {f, px}; break; }
  }
  check(target, 'no cluster away from the edges');
  const want = (await getJSON(`${base}/v1/clusters/${target.f.props.cluster_id}/expansion-zoom?from=2017-02&to=2017-02`)).expansion_zoom;
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + target.px.x, box.y + target.px.y);
  await page.waitForFunction(z => window.map.getZoom() > z + 0.4 && !window.map.isMoving(), z0, {timeout: TIMEOUT});
  const z1 = await page.evaluate(() => window.map.getZoom());
  check(Math.abs(z1 - Math.max(want, z0 + 0.5)) < 0.01, `zoomed to ${z1}, expansion zoom is ${want}`);
  await idle(page);
  await shot('cluster-expanded');
});

test('near-a-point-counts', async ({page, shot}) => {
  await page.goto(`${base}/`);
  await pageReady(page);
  await page.fill('#near-lat', String(SOTON.lat));
  await page.fill('#near-lng', String(SOTON.lng));
  await page.selectOption('#near-radius', '1609');
  await page.press('#near-lng', 'Enter');
  await page.waitForSelector('#panel table.by-type tfoot', {timeout: TIMEOUT});
  const total = Number((await page.textContent('#panel table.by-type tfoot td.num')).replace(/,/g, ''));
  const rows = await page.$$eval('#panel table.by-type tbody tr', trs => trs.map(tr => Number(tr.cells[1].textContent.replace(/,/g, ''))));
  check(rows.length > 3, `only ${rows.length} crime types listed`);
  check(rows.reduce((a, b) => a + b, 0) === total, `type rows add up to ${rows.reduce((a, b) => a + b, 0)}, total says ${total}`);
  // The same point through the data.police.uk-compatible API, whose
  // radius is one mile (1609.344 m): only points in the last 0.344 m may
  // differ, and there are none here.
  const police = await getJSON(`${base}/api/crimes-street/all-crime?lat=${SOTON.lat}&lng=${SOTON.lng}&date=2017-02`);
  check(police.length === total, `panel counts ${total} crimes within a mile, /api/crimes-street lists ${police.length}`);
  const bars = await page.$$eval('#panel svg.month-chart rect', rs => rs.length);
  const months = await page.$$eval('#panel table.by-month tbody tr', trs => trs.length);
  check(bars === 1 && months === 1, `month chart has ${bars} bars and the month table ${months} rows, want 1 each for the bundled month`);
  check(await page.isVisible('#panel table.by-month'), 'no month table');
  check(/lat=50\.9097/.test(page.url()) && /radius_m=1609/.test(page.url()), `near point not in the URL ${page.url()}`);
  await idle(page);
  await shot('near-a-point');

  await page.fill('#near-street', 'On or near High Street');
  await page.press('#near-street', 'Enter');
  await page.waitForFunction(() => !/50\.9097, -1\.4044/.test(document.querySelector('#panel h2')?.textContent || ''), null, {timeout: TIMEOUT});
  const heading = await page.textContent('#panel h2');
  check(/places match/.test(heading), `street search answered ${JSON.stringify(heading)}; the data has High Streets in several towns`);
  {
    await page.click('#panel .street-hits button');
    await page.waitForSelector('#panel table.by-type, #panel p.empty', {timeout: TIMEOUT});
  }
  check(/^Within/.test(await page.textContent('#panel h2')), 'street search did not lead to counts');
  await idle(page);
  await shot('near-a-street');

  // Near-a-point mode: a click anywhere on the map counts around it.
  await page.check('#near-mode');
  await page.selectOption('#near-radius', '500');
  await page.evaluate(c => window.map.jumpTo({center: c, zoom: 14}), [SOTON.lng, SOTON.lat]);
  await idle(page);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => /^Within 500 m of 50\.90\d\d, -1\.40\d\d$/.test(document.querySelector('#panel h2')?.textContent || ''), null, {timeout: TIMEOUT});
  await page.waitForSelector('#panel table.by-type tfoot', {timeout: TIMEOUT});
  await page.keyboard.press('Escape');
  await page.waitForSelector('#panel', {state: 'hidden', timeout: TIMEOUT});
  check(!/lat=/.test(page.url()), 'closing the panel left the near point in the URL');
});

test('keyboard-controls', async ({page}) => {
  await page.goto(`${base}/`);
  await pageReady(page);
  await page.focus('input[name=category][value=anti-social-behaviour]');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => location.search.includes('category=') && !location.search.includes('anti-social-behaviour'), null, {timeout: TIMEOUT});
  await page.focus('#cat-all');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !location.search.includes('category='), null, {timeout: TIMEOUT});
  await page.focus('#to');
  await page.keyboard.press('Tab');
  const next = await page.evaluate(() => document.activeElement?.name);
  check(next === 'view', `Tab from the month goes to ${next}, want the view radios`);
});

test('hex-view', async ({page, tiles, shot, skip}) => {
  await page.goto(`${base}/#11/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  if (await page.isDisabled('input[name=view][value=hexes]')) return skip('this server has no hex tiles');
  const n0 = tiles.ok.length;
  await page.check('input[name=view][value=hexes]');
  await page.waitForFunction(() => location.search.includes('view=hexes'), null, {timeout: TIMEOUT});
  await idle(page);
  check(tiles.ok.slice(n0).some(u => u.includes('/tiles/hex/')), 'no hex tile requested');
  const hexes = await rendered(page, ['crime-hexes']);
  check(hexes.length > 0, 'no hexagon rendered');
  const pts = await rendered(page, ['crime-clusters', 'crime-points']);
  check(pts.length === 0, 'points still drawn in the hex view');
  // The colour scale and the legend's top follow the hexagons loaded.
  await page.waitForFunction(() => {
    const m = window.map;
    if (!m.isSourceLoaded('hex')) return false;
    const max = Math.max(0, ...m.querySourceFeatures('hex', {sourceLayer: 'hexes'}).map(f => Number(f.properties.count) || 0));
    const top = document.querySelector('#legend .ramp-labels span:last-child')?.textContent.replace(/\D/g, '');
    return max > 0 && window.crimemap.hexMax === max && top === String(max);
  }, null, {timeout: TIMEOUT});
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector('#panel table.by-type, #panel p.empty', {timeout: TIMEOUT});
  await idle(page);
  check((await rendered(page, ['selected-area'])).length > 0, 'the clicked hexagon is not outlined');
  await shot('hex-view');
});

test('hotspots-view', async ({page, shot, skip}) => {
  await page.goto(`${base}/?view=hotspots#11/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  if (await page.isDisabled('input[name=view][value=hotspots]')) return skip('this server has no /v1/hotspots');
  await page.waitForFunction(() => window.map.getSource('hotspots')?.serialize().data?.features?.length > 0 ||
    /hot and/.test(document.getElementById('status').textContent), null, {timeout: TIMEOUT});
  await idle(page);
  const cells = await rendered(page, ['crime-hotspots']);
  check(cells.length > 0, 'no significant hot or cold cell drawn over Southampton');
  check(cells.every(c => c.props.bin !== 0 && Math.abs(c.props.bin) <= 3), 'a drawn cell is not significant');
  check(cells.some(c => c.props.bin === 3), 'no 99 % hot spot in the centre of Southampton');
  check((await rendered(page, ['crime-clusters', 'crime-points', 'crime-hexes'])).length === 0, 'other views still drawn');
  await shot('hotspots');
});

test('basemap-style', async ({page, shot, skip}) => {
  const styled = process.env.CRIMEMAP_E2E_STYLED_BASE;
  if (!styled) return skip('CRIMEMAP_E2E_STYLED_BASE is not set');
  await page.goto(`${styled}/#12/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  const ids = await page.evaluate(() => window.map.getStyle().layers.map(l => l.id));
  check(ids[0] === 'basemap-background' && ids[1] === 'basemap-land', `basemap layers not at the bottom: ${ids.slice(0, 3)}`);
  check(ids.indexOf('crime-clusters') > ids.indexOf('basemap-land'), 'crime layers not above the basemap');
  check((await rendered(page, ['basemap-land'])).length > 0, 'basemap not drawn');
  check((await rendered(page, ['crime-clusters'])).length > 0, 'no crimes drawn over the basemap');
  await shot('basemap-style');
});

test('boundary-layer', async ({page, shot, skip}) => {
  const styled = process.env.CRIMEMAP_E2E_STYLED_BASE;
  if (!styled) return skip('CRIMEMAP_E2E_STYLED_BASE is not set');
  await page.goto(`${styled}/#13/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  await page.waitForFunction(() => window.map.getLayer('boundaries'), null, {timeout: TIMEOUT});
  await idle(page);
  const ids = await page.evaluate(() => window.map.getStyle().layers.map(l => l.id));
  const at = ids.indexOf('boundaries');
  check(at > ids.indexOf('basemap-land') && at < ids.indexOf('crime-clusters'), `boundaries not between the basemap and the crimes: ${ids}`);
  const drawn = await rendered(page, ['boundaries']);
  check(drawn.some(f => f.props.id === 'hampshire/soton-centre'), 'the Southampton boundary is not drawn');
  await shot('boundary-layer');
});

test('narrow-screen', async ({page, shot}) => {
  await page.setViewportSize({width: 390, height: 844});
  await page.goto(`${base}/#12/${SOTON.lat}/${SOTON.lng}`);
  await pageReady(page);
  const box = await page.locator('#map canvas').boundingBox();
  check(box && box.height > 300 && box.width >= 380 && box.y < 50, `map canvas on a phone is ${JSON.stringify(box)}`);
  check((await rendered(page, ['crime-clusters'])).length > 0, 'nothing drawn on a phone');
  check(await page.locator('#legend details').getAttribute('open') === null, 'legend open over a phone-sized map');
  await shot('narrow-screen');
});

test('month-range-and-outcome-history', async ({page, tiles, shot, skip}) => {
  const mb = process.env.CRIMEMAP_E2E_MULTI_BASE;
  if (!mb) return skip('CRIMEMAP_E2E_MULTI_BASE is not set');
  const meta = await getJSON(`${mb}/v1/meta`);
  check(meta.months.length === 3, `synthetic archive has months ${meta.months}`);
  const [m1, m2, m3] = meta.months;
  await page.goto(`${mb}/?from=${m1}&to=${m3}#6/${meta.center[1]}/${meta.center[0]}`);
  await pageReady(page);
  check(await page.inputValue('#from') === m1 && await page.inputValue('#to') === m3, 'month range from the URL not shown');

  // The busiest place, followed down the zooms as a reader would, then its
  // busiest snap point: a coarse cluster's centre is the mean of a wide
  // area's crimes, which may fall between towns.
  const clusters = (await rendered(page, ['crime-clusters'])).sort((a, b) => b.props.point_count - a.props.point_count);
  check(clusters.length > 0, 'no clusters on the synthetic archive');
  let centre = clusters[0].coords;
  for (const zoom of [10, 13, 16]) {
    await page.evaluate(([c, z]) => window.map.jumpTo({center: c, zoom: z}), [centre, zoom]);
    await idle(page);
    const finer = (await rendered(page, ['crime-clusters'])).sort((a, b) => b.props.point_count - a.props.point_count);
    if (zoom < 16 && finer.length > 0) centre = finer[0].coords;
  }
  const size = await page.evaluate(() => ({w: window.map.getCanvas().clientWidth, h: window.map.getCanvas().clientHeight}));
  let best = null;
  for (const f of await rendered(page, ['crime-points'])) {
    const px = await page.evaluate(c => window.map.project(c), f.coords);
    if (px.x > 60 && px.x < size.w - 420 && px.y > 60 && px.y < size.h - 280 && (!best || Number(f.props.count) > Number(best.f.props.count))) best = {f, px};
  }
  check(best && Number(best.f.props.count) >= 3, 'no snap point with three or more crimes in view');
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + best.px.x, box.y + best.px.y);
  await page.waitForSelector('#panel table.crimes tbody tr', {timeout: TIMEOUT});
  const rows = await page.$$eval('#panel table.crimes tbody tr', trs => trs.map(tr => [...tr.cells].map(td => td.textContent.trim())));
  check(rows.length === Number(best.f.props.count), `panel lists ${rows.length} crimes over three months, the point holds ${best.f.props.count}`);
  const months = new Set(rows.map(r => r[1]));
  check(months.size > 1, `crimes of a busy point over three months all fall in ${[...months]}`);
  const withOutcome = rows.findIndex(r => r[2] !== '—' && r[2] !== 'No outcome recorded');
  check(withOutcome >= 0, 'no crime with an outcome at the busiest point');
  await page.locator('#panel table.crimes tbody tr').nth(withOutcome).locator('button.history').click();
  await page.waitForSelector('#panel .history-row ol li', {timeout: TIMEOUT});
  const history = await page.$$eval('#panel .history-row ol li', lis => lis.map(li => li.textContent));
  check(history.some(h => h.includes(rows[withOutcome][2])), `outcome history ${JSON.stringify(history)} lacks the latest outcome ${rows[withOutcome][2]}`);
  await shot('outcome-history');

  // Counts around the point: a bar and a table row per month.
  await page.fill('#near-lat', String(best.f.coords[1]));
  await page.fill('#near-lng', String(best.f.coords[0]));
  await page.selectOption('#near-radius', '1000');
  await page.press('#near-lng', 'Enter');
  await page.waitForSelector('#panel table.by-month', {timeout: TIMEOUT});
  const bars = await page.$$eval('#panel svg.month-chart rect', rs => rs.length);
  const monthRows = await page.$$eval('#panel table.by-month tbody tr', trs => trs.map(tr => Number(tr.cells[1].textContent.replace(/,/g, ''))));
  const total = Number((await page.textContent('#panel table.by-type tfoot td.num')).replace(/,/g, ''));
  check(bars === 3 && monthRows.length === 3, `${bars} bars and ${monthRows.length} month rows, want 3`);
  check(monthRows.reduce((a, b) => a + b, 0) === total, `months add up to ${monthRows.reduce((a, b) => a + b, 0)}, total ${total}`);
  await idle(page);
  await shot('month-chart');

  // Narrowing the range re-requests tiles and recounts.
  const n0 = tiles.ok.length;
  await page.selectOption('#from', m3);
  await page.waitForFunction(m => location.search.includes(`from=${m}`), m3, {timeout: TIMEOUT});
  await page.waitForFunction(t => Number((document.querySelector('#panel table.by-type tfoot td.num')?.textContent || '0').replace(/,/g, '')) < t, total, {timeout: TIMEOUT});
  await idle(page);
  check(tiles.ok.slice(n0).some(u => u.includes(`from=${m3}`)), 'no tile re-requested for the last month alone');
  // A start after the end moves the end rather than refusing.
  await page.selectOption('#to', m1);
  check(await page.inputValue('#from') === m1, 'an end before the start did not move the start');
});

const EMBED = `/embed?lat=${SOTON.lat}&lng=${SOTON.lng}&radius_m=500`;

test('embed-summary', async ({page, shot}) => {
  await page.setViewportSize({width: 640, height: 360});
  await page.goto(`${base}${EMBED}`);
  await idle(page);
  const h1 = await page.textContent('.summary h1');
  const m = /^(\d+) crimes in February 2017$/.exec(h1.trim());
  check(m, `summary heading ${JSON.stringify(h1)}`);
  const counts = await getJSON(`${base}/v1/counts?lat=${SOTON.lat}&lng=${SOTON.lng}&radius_m=500&from=2017-02&to=2017-02`);
  check(Number(m[1]) === counts.total, `embed says ${m[1]}, /v1/counts says ${counts.total}`);
  const top = await page.$$eval('table.top tbody tr', trs => trs.length);
  check(top >= 3 && top <= 5, `${top} top types`);
  check((await page.textContent('.attribution')).includes('Open Government Licence v3.0'), 'no attribution');
  const href = await page.getAttribute('.more a', 'href');
  check(href.startsWith('/?') && href.includes('lat=50.90970'), `full map link ${href}`);
  const feats = await rendered(page, ['crime-points', 'crime-clusters']);
  check(feats.length > 0, 'embed map draws nothing');
  check((await rendered(page, ['near-line'])).length > 0, 'no radius drawn');
  await shot('embed');
});

test('embed-in-iframe', async ({page, shot}) => {
  await page.setViewportSize({width: 720, height: 420});
  // The one line a neighbourhood page pastes in, on a page of another origin.
  await page.setContent(`<!doctype html><title>Neighbourhood</title><h3 style="font-family:sans-serif">Crime near us</h3>
<iframe src="${base}${EMBED}" width="640" height="320" style="border:0" title="Crime near this point"></iframe>`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForSelector('.summary h1', {timeout: TIMEOUT});
  await idle(page, frame);
  const feats = await frame.evaluate(() => window.map.queryRenderedFeatures().length);
  check(feats > 0, 'framed map draws nothing');
  await shot('embed-in-iframe');
});

(await import('./neighbourhood.mjs')).register({test, check, idle, getJSON, TIMEOUT});
(await import('./watch.mjs')).register({test, check});
(await import('./watchmap.mjs')).register({test, check, idle, pageReady, rendered, TIMEOUT});
(await import('./stopsmap.mjs')).register({test, check, idle, pageReady, rendered, TIMEOUT});
(await import('./basemap.mjs')).register({test, check, idle, getJSON, TIMEOUT}, base);
(await import('./mapview.mjs')).register({test, check, idle, pageReady, rendered, getJSON, TIMEOUT}, base);
(await import('./osmbasemap.mjs')).register({test, check, idle, rendered, TIMEOUT});
(await import('./mapaxe.mjs')).register({test, check, idle, pageReady, rendered, TIMEOUT}, base);

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crimemap-e2e-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: {width: 1280, height: 800},
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let failed = 0;
  const selected = only.length ? tests.filter(t => only.includes(t.name)) : tests;
  try {
    for (const t of selected) {
      const page = await browser.newPage();
      page.setDefaultTimeout(TIMEOUT);
      const errors = [];
      const tiles = {ok: [], bad: []};
      // A test that asks for an error answer on purpose names its URL, so
      // the browser's report of it is not counted as a failure.
      const expected = [];
      page.on('console', msg => {
        if (msg.type() !== 'error') return;
        if (expected.some(part => (msg.location()?.url || '').includes(part))) return;
        errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', err => errors.push(`exception: ${err.message}`));
      page.on('requestfailed', req => {
        // Cancelled tile requests are normal while the map moves.
        if (req.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
      });
      page.on('response', res => {
        const u = res.url();
        if (!u.includes('/tiles/')) return;
        if (res.status() === 200 || res.status() === 204 || res.status() === 304) {
          tiles.ok.push(u);
          page.evaluate(n => { window.__tileCount = n; }, tiles.ok.length).catch(() => {});
        } else tiles.bad.push(`${res.status()} ${u}`);
      });
      let skipped = null;
      const shots = [];
      const shot = async name => {
        const p = path.resolve(shotDir, `${name}.png`);
        await page.screenshot({path: p});
        shots.push(p);
      };
      const started = Date.now();
      try {
        await t.fn({page, tiles, shot, skip: why => { skipped = why; }, expectError: part => expected.push(part)});
        if (!shots.length && !skipped) await shot(t.name);
        check(tiles.bad.length === 0, `tile requests failed: ${tiles.bad.slice(0, 3).join(', ')}`);
        check(errors.length === 0, errors.slice(0, 5).join('\n    '));
        console.log(skipped ? `SKIP ${t.name}: ${skipped}` : `PASS ${t.name} (${Date.now() - started} ms)`);
      } catch (err) {
        failed++;
        try { await shot(`${t.name}-failed`); } catch { /* page gone */ }
        console.log(`FAIL ${t.name}: ${err instanceof Failure ? err.message : err.stack}`);
        if (errors.length && !(err instanceof Failure && err.message.includes(errors[0]))) console.log(`    ${errors.slice(0, 5).join('\n    ')}`);
      }
      for (const p of shots) console.log(`  screenshot ${p}`);
      await page.close();
    }
  } finally {
    await browser.close();
    fs.rmSync(userDataDir, {recursive: true, force: true});
  }
  console.log(`${selected.length - failed}/${selected.length} browser tests passed`);
  process.exit(Math.min(failed, 100));
}

main().catch(err => {
  console.error(err);
  process.exit(101);
});
