// Package e2e drives the map page and the embed in a real browser: Debian's
// chromium, headless, through playwright-core from npm (see package.json).
// The Go test starts the server in-process on the bundled Hampshire month and
// runs run.mjs against it; run.mjs holds the browser checks and saves a
// screenshot per test. unit/ holds node unit tests of the page's pure
// modules, which TestScriptUnits runs with node alone.
//
// Without node, node_modules or chromium the test skips, unless
// CRIMEMAP_E2E=1 (as in CI), when it fails instead. CRIMEMAP_CHROMIUM
// overrides the browser path and CRIMEMAP_E2E_SCREENSHOTS the screenshot
// folder (default .e2e/screenshots at the repository root).
package e2e
