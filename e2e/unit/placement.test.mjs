// Unit tests of where the crime panel opens and how the map pans so that
// nothing covers the clicked point, and of the place search's reading of
// /v1/locate answers.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {panelBox, clearOf, covers, GAP} from '../../web/static/app/placement.js';
import {placeOf, failureText} from '../../web/static/app/locate.js';

const wide = {w: 940, h: 690}, phone = {w: 390, h: 548};
const moved = (pt, [dx, dy]) => ({x: pt.x - dx, y: pt.y - dy});
const inside = (size, p) => p.x >= GAP && p.x <= size.w - GAP && p.y >= GAP && p.y <= size.h - GAP;

test('panelBox', async t => {
  const cases = [
    {name: 'right of a point on the left', size: wide, pt: {x: 200, y: 300}, want: {left: 224, top: 10, width: 370}},
    {name: 'left of a point on the right', size: wide, pt: {x: 800, y: 100}, want: {left: 406, top: 10, width: 370}},
    {name: 'against the right edge when neither side has room', size: {w: 600, h: 500}, pt: {x: 300, y: 200}, want: {left: 220, top: 10, width: 370}},
    {name: 'narrower than a narrow map', size: {w: 300, h: 500}, pt: {x: 150, y: 200}, want: {left: 10, top: 10, width: 280}},
    {name: 'the lower half on a phone', size: phone, pt: {x: 200, y: 100}, phone: true, want: {left: 8, top: 274, width: 374}},
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const b = panelBox(c.size, c.pt, {phone: c.phone});
      assert.deepEqual({left: b.left, top: b.top, width: b.width}, c.want);
      assert.ok(b.top + b.height <= c.size.h, 'panel runs off the map');
    });
  }
});

test('clearOf', async t => {
  const legend = {left: 10, top: 500, width: 290, height: 180};
  const cases = [
    {name: 'nothing to do', size: wide, pt: {x: 500, y: 200}, boxes: [legend], want: [0, 0]},
    {name: 'out from under the legend', size: wide, pt: {x: 100, y: 600}, boxes: [legend]},
    {name: 'above the phone panel', size: phone, pt: {x: 200, y: 400}, boxes: [panelBox(phone, {x: 200, y: 400}, {phone: true})]},
    {name: 'beside a panel against the edge', size: {w: 600, h: 500}, pt: {x: 300, y: 200}, boxes: [panelBox({w: 600, h: 500}, {x: 300, y: 200})]},
    {name: 'back onto the map', size: wide, pt: {x: -40, y: 200}, boxes: []},
    {name: 'under the legend and the panel', size: phone, pt: {x: 350, y: 500},
      boxes: [panelBox(phone, {x: 350, y: 500}, {phone: true}), {left: 300, top: 10, width: 80, height: 30}]},
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const d = clearOf(c.size, c.pt, c.boxes);
      if (c.want) return assert.deepEqual(d, c.want);
      const p = moved(c.pt, d);
      assert.ok(inside(c.size, p), `point ${JSON.stringify(p)} is off the map`);
      for (const b of c.boxes) assert.ok(!covers(b, p), `box ${JSON.stringify(b)} still covers ${JSON.stringify(p)}`);
    });
  }
  await t.test('no clear place leaves the map alone', () => {
    assert.deepEqual(clearOf(phone, {x: 100, y: 100}, [{left: 0, top: 0, width: 390, height: 548}]), [0, 0]);
  });
});

test('placeOf', async t => {
  const cases = [
    {name: 'postcode', body: {q: 'so147ly', match: 'postcode', point: {lat: 50.9, lng: -1.4}, postcode: {postcode: 'SO14 7LY', terminated: false},
      neighbourhood: {id: 'SO14', name: 'Southampton City Centre'}},
    want: {lat: 50.9, lng: -1.4, zoom: 16, label: 'SO14 7LY, Southampton City Centre'}},
    {name: 'terminated postcode', body: {q: 'SO14 0AA', match: 'postcode', point: {lat: 50.9, lng: -1.4}, postcode: {postcode: 'SO14 0AA', terminated: true, terminated_month: '2019-06'}, neighbourhood: null},
      want: {lat: 50.9, lng: -1.4, zoom: 16, label: 'SO14 0AA (a postcode no longer in use since 2019-06)'}},
    {name: 'postcode without a location', body: {q: 'SO14 0ZZ', match: 'postcode', point: null, postcode: {postcode: 'SO14 0ZZ'}},
      want: {error: 'SO14 0ZZ has no location to show.'}},
    {name: 'street', body: {q: 'high st', match: 'street', street: 'On or near High Street', point: {lat: 51, lng: -1}, neighbourhood: null},
      want: {lat: 51, lng: -1, zoom: 17, label: 'On or near High Street'}},
    {name: 'lat,lng', body: {q: '50.91,-1.40', match: 'latlng', point: {lat: 50.91, lng: -1.4}, neighbourhood: null},
      want: {lat: 50.91, lng: -1.4, zoom: 16, label: '50.91,-1.40'}},
    {name: 'ambiguous street', body: {q: 'High Street', match: 'street', ambiguous: true, point: null, candidates: [
      {street: 'On or near High Street', point: {lat: 51, lng: -1}, neighbourhood: {id: 'x', name: 'Eastleigh'}},
      {street: 'On or near High Street', point: {lat: 50.9, lng: -1.4}, neighbourhood: null}]},
    want: {candidates: [{lat: 51, lng: -1, zoom: 17, label: 'On or near High Street, Eastleigh'}, {lat: 50.9, lng: -1.4, zoom: 17, label: 'On or near High Street'}]}},
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(placeOf(c.body), c.want));
});

test('failureText says what went wrong in words', () => {
  assert.match(failureText('ZZ99 9ZZ', {status: 404, message: 'x (HTTP 404)'}), /^Nothing matches “ZZ99 9ZZ”\. Try a full postcode/);
  assert.equal(failureText('1,2,3', {status: 400, message: 'q: want lat,lng (HTTP 400)'}), '“1,2,3” cannot be searched: q: want lat,lng.');
  assert.match(failureText('SO14', new TypeError('Failed to fetch')), /^The search did not work: Failed to fetch\. Try again/);
});
