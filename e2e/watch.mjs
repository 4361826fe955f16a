// Browser test of the Neighbourhood Watch journey, registered into
// run.mjs's list. It runs against CRIMEMAP_E2E_WATCH_BASE: the
// neighbourhood server over a fresh store with one active scheme in
// Southampton City Centre, its coordinator, a second coordinator and
// Hampshire's staff (see watch_test.go, which also checks afterwards that
// the resident's withdrawal left nothing of theirs in the store). Each
// person has a browser context of their own, so their cookies are theirs.
const PASSWORD = 'e2e password, long enough';
const SCHEME = 'Guildhall Square Watch';

export function register({test, check}) {
  const base = process.env.CRIMEMAP_E2E_WATCH_BASE;

  async function submit(page, button) {
    await Promise.all([page.waitForNavigation(), page.click(button)]);
  }

  async function signIn(page, email) {
    await page.goto(`${base}/account/sign-in`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await submit(page, 'button:has-text("Sign in")');
    check(new URL(page.url()).pathname === '/watch/inbox', `${email} signed in to ${page.url()}`);
  }

  async function privateLink(page) {
    check(new URL(page.url()).pathname === '/watch/sent', `form went to ${page.url()}`);
    return new URL(await page.getAttribute('a.private-link', 'href'), base).href;
  }

  test('watch-journey', async ({page, shot, skip}) => {
    if (!base) return skip('CRIMEMAP_E2E_WATCH_BASE is not set');
    const browser = page.context().browser();
    const others = [];
    const person = async () => {
      const p = await browser.newPage();
      others.push(p);
      return p;
    };
    try {
      // A resident finds the scheme by postcode, applies and writes.
      const resident = page;
      await resident.goto(`${base}/watch`);
      await resident.fill('#q', 'SO14 7LY');
      await submit(resident, 'button:has-text("Find schemes")');
      await submit(resident, `a:has-text("${SCHEME}")`);
      const schemePage = resident.url();
      await resident.fill('#a-name', 'Rita Resident');
      await resident.fill('#a-email', 'rita@example.org');
      await resident.fill('#a-address', 'SO14 7LY');
      await resident.fill('#a-message', 'I live on the square.');
      await resident.check('input[name=consent]');
      await submit(resident, 'button:has-text("Apply")');
      const appLink = await privateLink(resident);
      await resident.goto(schemePage);
      await resident.fill('#m-name', 'Rita Resident');
      await resident.fill('#m-email', 'rita@example.org');
      await resident.fill('#m-text', 'When is the next meeting?');
      await submit(resident, 'button:has-text("Send")');
      const msgLink = await privateLink(resident);

      // The coordinator approves and replies.
      const coord = await person();
      await signIn(coord, 'coord@example.org');
      check((await coord.textContent('main')).includes('rita@example.org'), 'the coordinator does not see the application');
      await submit(coord, 'button:has-text("Approve")');
      await coord.fill('textarea[name=text]', 'Thursday at seven, in the library.');
      await submit(coord, 'button:has-text("Send reply")');
      await shot('watch-inbox');

      // The resident sees both through their private links.
      await resident.goto(appLink);
      check((await resident.textContent('main')).includes('approved'), 'the application is not approved');
      await resident.goto(msgLink);
      check((await resident.textContent('main')).includes('Thursday at seven'), 'the reply is not on the thread');

      // Another coordinator sees none of it, and cannot act on it.
      const other = await person();
      await signIn(other, 'other.coord@example.org');
      const otherInbox = await other.textContent('main');
      check(!otherInbox.includes('Rita') && !otherInbox.includes('rita@example.org') && !otherInbox.includes(SCHEME), 'another coordinator sees the resident');
      const res = await other.request.get(`${base}/watch/staff`);
      check(res.status() === 403, `another coordinator's staff page: ${res.status()}`);

      // Someone new registers a scheme; it is not listed until Hampshire's
      // staff approve it.
      const founder = await person();
      await founder.goto(`${base}/watch/register`);
      await founder.fill('#r-name', 'Bargate Street Watch');
      await founder.fill('#r-description', 'Bargate Street and the walls.');
      await founder.fill('#r-contact', 'bargate.watch@example.org');
      await founder.fill('#r-place', '50.904,-1.405');
      await founder.fill('#r-radius', '300');
      await founder.fill('#r-email', 'founder@example.org');
      await founder.fill('#r-password', PASSWORD);
      await submit(founder, 'button:has-text("Register the scheme")');
      check(new URL(founder.url()).pathname === '/watch/register/sent', `registration went to ${founder.url()}`);
      await signIn(founder, 'founder@example.org');
      check((await founder.textContent('main')).includes('Bargate Street Watch (pending)'), 'the founder does not see their pending scheme');
      const find = async () => {
        await resident.goto(`${base}/watch?q=SO14+7LY`);
        return resident.textContent('main');
      };
      check(!(await find()).includes('Bargate Street Watch'), 'a pending scheme is listed');

      const staff = await person();
      await signIn(staff, 'staff@hampshire.example.org');
      await staff.goto(`${base}/watch/staff`);
      check((await staff.textContent('main')).includes('founder@example.org'), 'staff do not see who registered the scheme');
      await submit(staff, 'button:has-text("Approve")');
      check((await find()).includes('Bargate Street Watch'), 'the approved scheme is not listed');

      // Staff edit the team, and the neighbourhood page shows it.
      await submit(staff, 'a:has-text("Southampton City Centre")');
      await staff.fill('#t-team', JSON.stringify([{name: 'Jane Doe', rank: 'PCSO', bio: '<p>New to the team.</p><script>alert(1)</script>'}]));
      await submit(staff, 'button:has-text("Save")');
      check((await staff.textContent('main')).includes('staff@hampshire.example.org'), 'the edit is not in the history');
      await shot('watch-find-after-approval');
      await resident.goto(`${base}/neighbourhoods/hampshire/SO14`);
      const team = await resident.$$eval('#team h3', hs => hs.map(h => h.textContent));
      check(team.join() === 'Jane Doe', `team on the page: ${team}`);
      check(await resident.locator('#team script').count() === 0, 'a script survived in the edited bio');

      // The resident withdraws both; watch_test.go checks the store.
      await resident.goto(appLink);
      await submit(resident, 'button:has-text("Withdraw")');
      await resident.goto(msgLink);
      await submit(resident, 'button:has-text("Withdraw")');
      // Through the request API: a 404 page would count as a console error.
      for (const link of [appLink, msgLink]) {
        const r = await resident.request.get(link);
        check(r.status() === 404, `withdrawn link ${link}: ${r.status()}`);
      }
      await coord.goto(`${base}/watch/inbox`);
      check(!(await coord.textContent('main')).includes('rita@example.org'), 'the coordinator still sees the resident');
      await shot('watch-withdrawn');
    } finally {
      for (const p of others) await p.close();
    }
  });
}
