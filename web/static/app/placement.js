// Where the crime panel opens: beside the clicked point on a wide map,
// docked under it on a phone; and how far to pan so that neither the panel
// nor the legend covers the point. The box arithmetic is pure so that it
// can be tested without a browser.

// GAP clears the selection ring (radius 13 px, 3 px stroke) with room to
// spare; EDGE keeps boxes off the map's edges.
export const GAP = 24;
const EDGE = 10;

// PHONE matches the page's one-column layout, LEGEND_DOCKED the screens
// wide and tall enough for the legend to sit under the map, open, rather
// than be a button over it (both as in map.css).
export const PHONE = '(max-width: 700px)';
export const LEGEND_DOCKED = '(min-width: 1024px) and (min-height: 600px)';

// panelBox places the panel for a point pt on a map of the given size, in
// map pixels: on the side of the point with room for it, else against the
// right edge (clearOf then pans the point out from under it); on a phone,
// across the lower half of the map.
export function panelBox(size, pt, {width = 370, phone = false} = {}) {
  if (phone) {
    const top = Math.round(size.h / 2);
    return {left: 8, top, width: size.w - 16, height: size.h - top - 8};
  }
  const w = Math.min(width, size.w - 2 * EDGE);
  let left = size.w - EDGE - w;
  if (pt.x + GAP + w <= size.w - EDGE) left = Math.round(pt.x + GAP);
  else if (pt.x - GAP - w >= EDGE) left = Math.round(pt.x - GAP - w);
  return {left, top: EDGE, width: w, height: size.h - 2 * EDGE};
}

// covers says whether box b (with GAP around it) covers the point p.
export function covers(b, p) {
  return p.x > b.left - GAP && p.x < b.left + b.width + GAP && p.y > b.top - GAP && p.y < b.top + b.height + GAP;
}

// clearOf returns the [dx, dy] to hand MapLibre's panBy so that the point
// pt ends up inside the map and clear of every box, moving it as little as
// possible; [0, 0] when it already is, or when no place is clear.
export function clearOf(size, pt, boxes) {
  const inside = p => p.x >= GAP && p.x <= size.w - GAP && p.y >= GAP && p.y <= size.h - GAP;
  const clear = p => inside(p) && !boxes.some(b => covers(b, p));
  if (clear(pt)) return [0, 0];
  const at = {x: Math.min(Math.max(pt.x, GAP), size.w - GAP), y: Math.min(Math.max(pt.y, GAP), size.h - GAP)};
  const cands = [at];
  for (const b of boxes) {
    const xs = [b.left - GAP - 1, b.left + b.width + GAP + 1], ys = [b.top - GAP - 1, b.top + b.height + GAP + 1];
    for (const x of xs) cands.push({x, y: at.y});
    for (const y of ys) cands.push({x: at.x, y});
    for (const x of xs) for (const y of ys) cands.push({x, y});
  }
  const best = cands.filter(clear).sort((a, b) => Math.hypot(a.x - pt.x, a.y - pt.y) - Math.hypot(b.x - pt.x, b.y - pt.y))[0];
  return best ? [Math.round(pt.x - best.x), Math.round(pt.y - best.y)] : [0, 0];
}

// boxWithin gives an element's box relative to the container, or null when
// the element is hidden or lies outside it (a legend docked under the map).
export function boxWithin(el, container) {
  if (!el || el.hidden) return null;
  const b = el.getBoundingClientRect(), c = container.getBoundingClientRect();
  if (!b.width || !b.height || b.left >= c.right || b.right <= c.left || b.top >= c.bottom || b.bottom <= c.top) return null;
  return {left: b.left - c.left, top: b.top - c.top, width: b.width, height: b.height};
}

// anchorPanel opens the panel beside the point at lngLat and pans the map
// if the panel or the legend would cover it.
export function anchorPanel(map, panel, legend, lngLat) {
  const c = map.getContainer();
  const size = {w: c.clientWidth, h: c.clientHeight};
  const pt = map.project(lngLat);
  const box = panelBox(size, pt, {phone: window.matchMedia(PHONE).matches});
  panel.classList.add('anchored');
  Object.assign(panel.style, {left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, maxHeight: `${box.height}px`});
  const [dx, dy] = clearOf(size, pt, [box, boxWithin(legend, c)].filter(Boolean));
  if (dx || dy) map.panBy([dx, dy], {duration: 300});
}

// unanchorPanel returns the panel to its place in the corner.
export function unanchorPanel(panel) {
  panel.classList.remove('anchored');
  for (const p of ['left', 'top', 'width', 'maxHeight']) panel.style[p] = '';
}
