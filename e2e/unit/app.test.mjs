// Unit tests of the page's pure modules, run with `node --test` (no
// browser): URL state, count normalisation, filter queries, the hotspot
// resolution and the radius circle.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readState, writeState} from '../../web/static/app/state.js';
import {normaliseCounts, normaliseMeta, filterQuery, withQuery, monthsBetween} from '../../web/static/app/api.js';
import {hotspotRes, circlePolygon, mainTypeColour, hexRamp} from '../../web/static/app/layers.js';

const meta = normaliseMeta({
  months: ['2016-12', '2017-01', '2017-02'],
  latest_month: '2017-02',
  categories: [{url: 'burglary', name: 'Burglary'}, {url: 'drugs', name: 'Drugs'}, {url: 'robbery', name: 'Robbery'}],
  bounds: [-1.9, 50.7, -0.7, 51.4],
  center: [-1.3, 51.05, 10],
});

test('readState opens on the default months', () => {
  const m = normaliseMeta({months: ['2016-12', '2017-01', '2017-02', '2017-03'], latest_month: '2017-03',
    default_from: '2016-12', default_to: '2017-02', categories: [], data_bounds: [-1.5, 50.8, -1.3, 51]});
  const s = readState('', m);
  assert.deepEqual([s.from, s.to], ['2016-12', '2017-02']);
  assert.deepEqual(m.dataBounds, [-1.5, 50.8, -1.3, 51]);
});

test('readState', async t => {
  const cases = [
    {name: 'defaults to the latest month, all types, points', search: '',
      want: {from: '2017-02', to: '2017-02', categories: ['burglary', 'drugs', 'robbery'], view: 'points', near: null, watch: false}},
    {name: 'keeps known values', search: '?from=2016-12&to=2017-01&category=drugs,burglary&view=hexes',
      want: {from: '2016-12', to: '2017-01', categories: ['burglary', 'drugs'], view: 'hexes', near: null, watch: false}},
    {name: 'drops unknown months, types and views', search: '?from=2015-01&category=drugs,jaywalking&view=3d',
      want: {from: '2017-02', to: '2017-02', categories: ['drugs'], view: 'points', near: null, watch: false}},
    {name: 'swaps a reversed range', search: '?from=2017-02&to=2016-12',
      want: {from: '2016-12', to: '2017-02', categories: ['burglary', 'drugs', 'robbery'], view: 'points', near: null, watch: false}},
    {name: 'empty category list means none', search: '?category=',
      want: {from: '2017-02', to: '2017-02', categories: [], view: 'points', near: null, watch: false}},
    {name: 'near point with default radius', search: '?lat=50.9&lng=-1.4',
      want: {from: '2017-02', to: '2017-02', categories: ['burglary', 'drugs', 'robbery'], view: 'points', near: {lat: 50.9, lng: -1.4, radius: 500}, watch: false}},
    {name: 'the Watch layer', search: '?watch=1&view=hexes',
      want: {from: '2017-02', to: '2017-02', categories: ['burglary', 'drugs', 'robbery'], view: 'hexes', near: null, watch: true}},
    {name: 'near point out of range is ignored', search: '?lat=95&lng=-1.4&radius_m=100',
      want: {from: '2017-02', to: '2017-02', categories: ['burglary', 'drugs', 'robbery'], view: 'points', near: null, watch: false}},
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(readState(c.search, meta), c.want));
  }
});

test('writeState round-trips through readState', () => {
  const states = [
    {from: '2017-02', to: '2017-02', categories: ['burglary', 'drugs', 'robbery'], view: 'points', near: null, watch: false},
    {from: '2016-12', to: '2017-01', categories: ['robbery'], view: 'hotspots', near: null, watch: false},
    {from: '2017-01', to: '2017-02', categories: [], view: 'hexes', near: {lat: 50.90971, lng: -1.40438, radius: 1609}, watch: true},
  ];
  for (const s of states) {
    const qs = writeState(s, meta);
    assert.deepEqual(readState('?' + qs, meta), s, `via ${qs}`);
  }
  assert.equal(writeState(states[0], meta), 'from=2017-02&to=2017-02', 'the default view names its months');
});

test('filterQuery leaves out what the server defaults to', () => {
  const all = meta.categories;
  assert.equal(filterQuery({from: '2017-02', to: '2017-02', categories: ['burglary', 'drugs', 'robbery']}, {allCategories: all}).toString(), 'from=2017-02&to=2017-02');
  assert.equal(filterQuery({from: '2017-01', to: '2017-02', categories: ['drugs', 'robbery']}, {allCategories: all}).toString(), 'from=2017-01&to=2017-02&category=drugs%2Crobbery');
  assert.equal(filterQuery({categories: []}, {allCategories: all}).toString(), '');
  assert.equal(withQuery('http://h/tiles/{z}/{x}/{y}.mvt?v=1', new URLSearchParams('from=2017-02')), 'http://h/tiles/{z}/{x}/{y}.mvt?v=1&from=2017-02');
  assert.equal(withQuery('/tiles/{z}/{x}/{y}.mvt', new URLSearchParams('a=b')), '/tiles/{z}/{x}/{y}.mvt?a=b');
  assert.deepEqual(monthsBetween(meta.months, '2017-01', '2017-02'), ['2017-01', '2017-02']);
});

test('normaliseCounts', async t => {
  const want = {
    total: 7,
    byCategory: [{slug: 'drugs', name: 'Drugs', count: 4}, {slug: 'burglary', name: 'Burglary', count: 3}],
    byMonth: [{month: '2017-01', count: 2}, {month: '2017-02', count: 5}],
  };
  const cases = [
    {name: '/v1/counts by category and month', body: {total: 7, by_category_month: [
      {category: 'burglary', name: 'Burglary', month: '2017-01', count: 1},
      {category: 'burglary', name: 'Burglary', month: '2017-02', count: 2},
      {category: 'drugs', name: 'Drugs', month: '2017-01', count: 1},
      {category: 'drugs', name: 'Drugs', month: '2017-02', count: 3},
      {category: 'robbery', name: 'Robbery', month: '2017-02', count: 0},
    ]}},
    {name: 'separate lists, as /v1/hex/{cell}', body: {total: 7,
      by_category: [{category: 'burglary', count: 3}, {category: 'drugs', count: 4}],
      by_month: [{month: '2017-02', count: 5}, {month: '2017-01', count: 2}]}},
    {name: 'maps', body: {by_category: {drugs: 4, burglary: 3}, by_month: {'2017-01': 2, '2017-02': 5}}},
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(normaliseCounts(c.body, meta), want));
  }
});

test('normaliseMeta reads the /v1/meta shape', () => {
  assert.deepEqual(meta.months, ['2016-12', '2017-01', '2017-02']);
  assert.equal(meta.latest, '2017-02');
  assert.deepEqual(meta.bounds, [-1.9, 50.7, -0.7, 51.4]);
  assert.deepEqual(meta.center.slice(0, 2), [-1.3, 51.05]);
  const noBounds = normaliseMeta({months: [], categories: [{url: 'all-crime', name: 'All crime'}]});
  assert.deepEqual(noBounds.categories, [], 'all-crime is not a type to pick');
});

test('hotspotRes keeps the study small', () => {
  const hampshire = [-1.96, 50.57, -0.73, 51.39];
  const city = [-1.45, 50.89, -1.36, 50.93];
  for (const [bbox, zoom] of [[hampshire, 8], [hampshire, 12], [city, 12], [city, 16]]) {
    const res = hotspotRes(bbox, zoom);
    const [w, s, e, n] = bbox;
    const km2 = (n - s) * 111.32 * (e - w) * 111.32 * Math.cos((n + s) / 2 * Math.PI / 180);
    const areas = [4357449, 609788, 86801, 12393, 1770, 252.9, 36.13, 5.16, 0.737, 0.105, 0.0150, 0.00214, 0.000307, 0.0000439];
    assert.ok(km2 / areas[res] <= 3000, `res ${res} gives ${Math.round(km2 / areas[res])} cells for ${bbox} at z${zoom}`);
    assert.ok(res === 0 || km2 / areas[res] > 3000 / 7 || res === [0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13][zoom],
      `res ${res} is coarser than needed`);
  }
  assert.ok(hotspotRes(city, 16) > hotspotRes(hampshire, 16), 'a smaller box allows finer cells');
});

test('circlePolygon lies on the radius', () => {
  const R = 6371008.8;
  const hav = (lon1, lat1, lon2, lat2) => {
    const p1 = lat1 * Math.PI / 180, p2 = lat2 * Math.PI / 180, dl = (lon2 - lon1) * Math.PI / 180;
    const a = Math.sin((p2 - p1) / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
    return 2 * R * Math.asin(Math.sqrt(a));
  };
  for (const [lng, lat, r] of [[-1.4044, 50.9097, 500], [0, 0, 10000], [-1, 70, 1609.344]]) {
    const ring = circlePolygon(lng, lat, r).geometry.coordinates[0];
    assert.deepEqual(ring[0], ring[ring.length - 1], 'ring is closed');
    for (const [x, y] of ring) assert.ok(Math.abs(hav(lng, lat, x, y) - r) < 1e-6 * r, `vertex ${x},${y} is ${hav(lng, lat, x, y)} m away, want ${r}`);
  }
});

test('mainTypeColour and hexRamp are well-formed expressions', () => {
  const colours = {burglary: '#111111', drugs: '#222222'};
  const e = mainTypeColour(['burglary', 'drugs'], colours);
  assert.equal(e[0], 'let');
  assert.ok(JSON.stringify(e).includes('#111111') && JSON.stringify(e).includes('#222222'));
  assert.equal(mainTypeColour([], colours), '#555555');
  for (const max of [0, 1, 2, 7, 1000]) {
    const r = hexRamp(max);
    const stops = r.slice(3).filter((_, i) => i % 2 === 0);
    for (let i = 1; i < stops.length; i++) assert.ok(stops[i] > stops[i - 1], `ramp stops not increasing for max ${max}: ${stops}`);
  }
});
