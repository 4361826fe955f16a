// Panel contents: every number shown on the map is also written out here as
// an HTML table, so screen-reader and keyboard users get the same answers.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const fmt = new Intl.NumberFormat('en-GB');
export const n = x => fmt.format(x);

export function swatch(colour) {
  return h('span', {class: 'swatch', style: `background:${colour}`, 'aria-hidden': 'true'});
}

export function monthName(m) {
  const [y, mo] = m.split('-').map(Number);
  if (!y || !mo) return m;
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleString('en-GB', {month: 'short', year: 'numeric', timeZone: 'UTC'});
}

// countsSection renders {total, byCategory, byMonth} as a type table, a
// month chart and the month table behind it.
export function countsSection(counts, colours, {caption = 'Crimes by type'} = {}) {
  const frag = document.createDocumentFragment();
  if (!counts.total) {
    frag.append(h('p', {class: 'empty'}, 'No crimes match the filter here.'));
    return frag;
  }
  frag.append(h('table', {class: 'counts by-type'},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Type'), h('th', {scope: 'col', class: 'num'}, 'Crimes'), h('th', {scope: 'col', class: 'num'}, 'Share'))),
    h('tbody', {}, counts.byCategory.map(c => h('tr', {'data-category': c.slug},
      h('th', {scope: 'row'}, swatch(colours[c.slug] || '#555'), c.name),
      h('td', {class: 'num'}, n(c.count)),
      h('td', {class: 'num'}, `${Math.round(100 * c.count / counts.total)}%`)))),
    h('tfoot', {}, h('tr', {}, h('th', {scope: 'row'}, 'All types'), h('td', {class: 'num'}, n(counts.total)), h('td', {class: 'num'}, '100%')))));
  if (counts.byMonth.length) {
    frag.append(monthChart(counts.byMonth));
    frag.append(h('table', {class: 'counts by-month'},
      h('caption', {}, 'Crimes by month'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Month'), h('th', {scope: 'col', class: 'num'}, 'Crimes'))),
      h('tbody', {}, counts.byMonth.map(m => h('tr', {}, h('th', {scope: 'row'}, monthName(m.month)), h('td', {class: 'num'}, n(m.count)))))));
  }
  return frag;
}

// monthChart draws one bar per month as inline SVG; the month table next to
// it carries the same numbers, so the chart is hidden from screen readers.
export function monthChart(byMonth) {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 280, H = 90, pad = 14;
  const max = Math.max(...byMonth.map(m => m.count), 1);
  // Bars stay narrow when there are few months, so one month still reads
  // as a chart rather than a block.
  const bw = Math.min((W - 2) / byMonth.length, 36);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H + pad}`);
  svg.setAttribute('class', 'month-chart');
  svg.setAttribute('aria-hidden', 'true');
  byMonth.forEach((m, i) => {
    const bh = Math.max(1, (H - 4) * m.count / max);
    const r = document.createElementNS(NS, 'rect');
    r.setAttribute('x', (1 + i * bw + bw * 0.1).toFixed(1));
    r.setAttribute('y', (H - bh).toFixed(1));
    r.setAttribute('width', Math.max(1, bw * 0.8).toFixed(1));
    r.setAttribute('height', bh.toFixed(1));
    const t = document.createElementNS(NS, 'title');
    t.textContent = `${monthName(m.month)}: ${m.count}`;
    r.append(t);
    svg.append(r);
  });
  const label = (x, text, anchor) => {
    const t = document.createElementNS(NS, 'text');
    t.setAttribute('x', x);
    t.setAttribute('y', H + pad - 2);
    t.setAttribute('text-anchor', anchor);
    t.textContent = text;
    svg.append(t);
  };
  label(1, monthName(byMonth[0].month), 'start');
  if (byMonth.length > 1) label(1 + bw * byMonth.length, monthName(byMonth[byMonth.length - 1].month), 'end');
  return svg;
}

// crimesTable lists the crimes at one snap point; each row with a
// persistent id gets a button that loads the outcome history below it.
export function crimesTable(crimes, colours, names, loadHistory) {
  const rows = [];
  for (const c of crimes) {
    const outcome = c.outcome_status?.category || (c.persistent_id ? 'No outcome recorded' : '—');
    const tr = h('tr', {'data-category': c.category},
      h('td', {}, swatch(colours[c.category] || '#555'), names.get(c.category) || c.category),
      h('td', {}, monthName(c.month)),
      h('td', {}, outcome),
      h('td', {}, c.persistent_id ? h('button', {
        type: 'button', class: 'history', 'aria-expanded': 'false',
        onclick: ev => toggleHistory(ev.currentTarget, tr, c.persistent_id, loadHistory),
      }, 'History') : ''));
    rows.push(tr);
  }
  return h('table', {class: 'crimes'},
    h('caption', {}, 'Crimes at this location'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Type'), h('th', {scope: 'col'}, 'Month'), h('th', {scope: 'col'}, 'Latest outcome'), h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Outcome history')))),
    h('tbody', {}, rows));
}

async function toggleHistory(button, tr, id, loadHistory) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains('history-row')) {
    next.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  const cell = h('td', {colspan: '4'}, 'Loading the outcome history…');
  tr.after(h('tr', {class: 'history-row'}, cell));
  button.setAttribute('aria-expanded', 'true');
  try {
    const outcomes = await loadHistory(id);
    cell.replaceChildren(outcomes.length
      ? h('ol', {class: 'outcomes'}, outcomes.map(o => h('li', {}, h('span', {class: 'when'}, monthName(o.date)), ' ', o.category?.name || o.category)))
      : 'No outcomes recorded.');
  } catch (err) {
    cell.replaceChildren(`Could not load the outcome history: ${err.message}`);
  }
}
