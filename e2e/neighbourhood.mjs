// Browser tests of the neighbourhood pages, registered into run.mjs's
// list. They run against CRIMEMAP_E2E_HOOD_BASE: the bundled Hampshire
// month with the team-data fixtures, the ONSPD sample and the Southampton
// boundaries. Each page is also checked with axe-core: no serious or
// critical violation.
import * as axe from './axe.mjs';

export function register({test, check, idle, getJSON, TIMEOUT}) {
  const hoodBase = process.env.CRIMEMAP_E2E_HOOD_BASE;

  const accessible = page => axe.accessible(page, check);

  async function search(page, q) {
    await page.goto(`${hoodBase}/neighbourhoods`);
    await page.getByLabel('Find a neighbourhood by postcode or street').fill(q);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  test('neighbourhood-postcode-search', async ({page, shot, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await search(page, 'SO14 7LY');
    check(new URL(page.url()).pathname === '/neighbourhoods/hampshire/SO14', `postcode search landed on ${page.url()}`);
    check(await page.textContent('h1') === 'Southampton City Centre', 'wrong heading');
    const team = await page.$$eval('#team h3', hs => hs.map(h => h.textContent));
    check(team.join() === 'Aisha Khan,Tom Reed', `team ${team}`);
    check(await page.locator('#contact a[href="tel:101"]').count() === 1, 'no tel: link');
    check(await page.locator('#contact a[href^="mailto:southampton.central@"]').count() === 1, 'no mailto: link');
    check((await page.textContent('#priorities')).includes('Cycle theft at the station'), 'no priority');
    check(await page.locator('#priorities script').count() === 0, 'a script survived in a priority');
    const events = await page.$$eval('#events h3', hs => hs.map(h => h.textContent));
    check(events.join() === 'Drop-in at the library,Bike marking', `events ${events}`);

    // The numbers are the counts API's for the same area and month.
    const total = Number(await page.textContent('#crime-total'));
    const csv = new URL(await page.getAttribute('a[href^="/v1/crimes"]', 'href'), hoodBase);
    const q = new URLSearchParams(csv.search);
    q.delete('format');
    q.delete('limit');
    const counts = await getJSON(`${hoodBase}/v1/counts?${q}&group_by=category`);
    check(total > 0 && total === counts.total, `page says ${total} crimes, /v1/counts says ${counts.total}`);
    const rows = await page.$$eval('#crime-types tbody tr', trs => trs.map(tr => [tr.dataset.category, Number(tr.cells[1].textContent)]));
    const byCat = Object.fromEntries(counts.by_category.map(c => [c.category, c.count]));
    for (const [slug, n] of rows) check((byCat[slug] ?? 0) === n, `${slug}: page ${n}, API ${byCat[slug] ?? 0}`);
    check(await page.locator('#crime-trend tbody tr').count() === 12, 'trend is not 12 months');

    await idle(page);
    const drawn = await page.evaluate(() => window.map.queryRenderedFeatures({layers: ['crime-points', 'crime-clusters'].filter(l => window.map.getLayer(l))}).length);
    check(drawn > 0, 'the neighbourhood map draws no crimes');
    await accessible(page);
    await shot('neighbourhood-page');
  });

  test('neighbourhood-street-search', async ({page, shot, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await search(page, 'Compton Walk');
    check(new URL(page.url()).pathname === '/neighbourhoods/hampshire/SO14', `street search landed on ${page.url()}`);
    await shot('neighbourhood-street');
  });

  test('neighbourhood-unknown-postcode', async ({page, shot, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    // The 404 of the search page is expected, not a console error.
    page.removeAllListeners('console');
    await search(page, 'ZZ99 9ZZ');
    const msg = await page.textContent('#search-message');
    check(/Nothing matches "ZZ99 9ZZ"\. Try a full postcode/.test(msg), `message ${JSON.stringify(msg)}`);
    check(await page.inputValue('#hood-q') === 'ZZ99 9ZZ', 'the query is not kept in the box');
    await accessible(page);
    await shot('neighbourhood-unknown-postcode');
  });

  test('neighbourhood-embed', async ({page, shot, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await page.goto(`${hoodBase}/neighbourhoods/hampshire/SO14`);
    const total = Number(await page.textContent('#crime-total'));
    await page.goto(`${hoodBase}/embed?neighbourhood=hampshire/SO14`);
    const h1 = await page.textContent('.summary h1');
    check(Number(h1.match(/^(\d+) crimes/)?.[1]) === total, `embed says ${JSON.stringify(h1)}, the page ${total}`);
    await idle(page);
    check((await page.evaluate(() => window.map.queryRenderedFeatures({layers: ['boundaries']}).length)) > 0, 'no boundary drawn');
    await shot('neighbourhood-embed');
  });

  test('neighbourhood-keyboard', async ({page, skip}) => {
    if (!hoodBase) return skip('CRIMEMAP_E2E_HOOD_BASE is not set');
    await page.goto(`${hoodBase}/neighbourhoods/hampshire/SO14`);
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.className) === 'skip', 'the first Tab does not reach the skip link');
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.id) === 'hood-q', 'the second Tab does not reach the search box');
    await page.keyboard.type('SO14 7LY');
    await Promise.all([page.waitForNavigation({timeout: TIMEOUT}), page.keyboard.press('Enter')]);
    check(new URL(page.url()).pathname === '/neighbourhoods/hampshire/SO14', `keyboard search landed on ${page.url()}`);
  });
}
