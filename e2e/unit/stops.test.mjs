// Unit tests of the stop-and-search layer's state in the URL and its
// filter, run with `node --test` (no browser).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readState, writeState, readStops} from '../../web/static/app/state.js';
import {normaliseMeta} from '../../web/static/app/api.js';
import {stopsQuery, mainOutcomeColour, setStops, STOP_OUTCOMES} from '../../web/static/app/stops.js';

const meta = normaliseMeta({
  months: ['2018-01', '2018-02'],
  latest_month: '2018-02',
  categories: [{url: 'burglary', name: 'Burglary'}, {url: 'drugs', name: 'Drugs'}],
});

test('readStops', async t => {
  const cases = [
    {name: 'off without stops=1', search: '?stops_force=greater-manchester', want: null},
    {name: 'off for another value', search: '?stops=true', want: null},
    {name: 'on, every force', search: '?stops=1', want: {force: ''}},
    {name: 'on, one force', search: '?stops=1&stops_force=greater-manchester', want: {force: 'greater-manchester'}},
    {name: 'a malformed force is dropped', search: '?stops=1&stops_force=Greater%20Manchester', want: {force: ''}},
    {name: 'an overlong force is dropped', search: `?stops=1&stops_force=${'a'.repeat(65)}`, want: {force: ''}},
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(readStops(new URLSearchParams(c.search)), c.want));
  }
});

test('the stops layer is left out of the state and the URL when off', () => {
  const s = readState('?from=2018-01&to=2018-02', meta);
  assert.equal('stops' in s, false);
  assert.equal(writeState({...s, stops: null}, meta), 'from=2018-01&to=2018-02');
});

test('the stops layer round-trips through the URL', () => {
  const states = [
    {from: '2018-01', to: '2018-02', categories: ['burglary', 'drugs'], view: 'points', near: null, watch: false, stops: {force: ''}},
    {from: '2018-02', to: '2018-02', categories: ['drugs'], view: 'hexes', near: null, watch: true, stops: {force: 'greater-manchester'}},
  ];
  for (const s of states) {
    const qs = writeState(s, meta);
    assert.deepEqual(readState('?' + qs, meta), s, `via ${qs}`);
  }
  assert.equal(writeState(states[1], meta), 'from=2018-02&to=2018-02&category=drugs&view=hexes&watch=1&stops=1&stops_force=greater-manchester');
});

test('stopsQuery sends the months and the layer\'s force, not the crime types', () => {
  const s = {from: '2018-01', to: '2018-02', categories: ['drugs'], stops: {force: 'greater-manchester'}};
  assert.equal(stopsQuery(s).toString(), 'from=2018-01&to=2018-02&force=greater-manchester');
  assert.equal(stopsQuery({...s, stops: {force: ''}}).toString(), 'from=2018-01&to=2018-02');
});

test('mainOutcomeColour names every outcome the tiles count', () => {
  const expr = JSON.stringify(mainOutcomeColour());
  for (const o of STOP_OUTCOMES) assert.ok(expr.includes(`"${o.id}"`), o.id);
  assert.equal(new Set(STOP_OUTCOMES.map(o => o.colour)).size, STOP_OUTCOMES.length, 'two outcomes share a colour');
});

test('setStops asks for new tiles only when the filter changes', () => {
  const calls = [];
  const src = {tiles: ['/tiles/stops/{z}/{x}/{y}.mvt?v=1'], setTiles(t) { calls.push(t[0]); this.tiles = t; }};
  const shown = {};
  const map = {getSource: id => (id === 'stops' ? src : null), setLayoutProperty: (id, _, v) => { shown[id] = v; }};
  const tpl = '/tiles/stops/{z}/{x}/{y}.mvt?v=1';
  const s = {from: '2018-01', to: '2018-02', categories: [], stops: {force: ''}};
  setStops(map, tpl, s);
  setStops(map, tpl, {...s, categories: ['drugs']});
  assert.deepEqual(calls, [`${tpl}&from=2018-01&to=2018-02`]);
  setStops(map, tpl, {...s, stops: {force: 'greater-manchester'}});
  assert.equal(calls.length, 2);
  setStops(map, tpl, {...s, stops: null});
  assert.equal(calls.length, 2, 'tiles asked for with the layer off');
  assert.deepEqual(Object.values(shown), ['none', 'none', 'none']);
});
