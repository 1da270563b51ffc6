/**
 * `npm run screenshot`: renders the demo plan as HTML (the built-in demo portal seeded in a temporary folder,
 * examples/quickstart/seats.yaml, at the demo's own time) and photographs it with headless Chromium into
 * docs/report-screenshot.png, the picture the README shows. Generated, never drawn by hand: run it again after
 * changing the HTML report. Needs Chromium (apt-get install -y chromium) and a build (npm run screenshot builds).
 *
 *   node dist/scripts/screenshot.js [--out FILE] [--html FILE]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { observeDesiredState } from "../provider/app/observe";
import { createPortal } from "../provider/app/create-backend";
import { createFixedClock } from "../provider/core/clock";
import { planSeats } from "../provider/core/plan/planner";
import { computeRenewals } from "../provider/core/renewals";
import { formatLocatedError, loadDesiredState } from "../provider/desired/desired-state";
import { renderPlanHtml } from "../provider/report/html";
import { seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../provider/simulator/fixture";
import { launchChromium } from "./lib/chromium";
import { REPO_ROOT } from "./lib/pulumi-env";

/** The README's picture: wide enough for the charts, cut after the calendar so the PNG stays small. */
const WIDTH = 1100;
const MAX_HEIGHT = 2300;

function readOption(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The demo plan as an HTML page, as `csp-seats plan --format html` prints it against the demo portal. */
export async function renderDemoPlanHtml(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-screenshot-"));
  try {
    const statePath = path.join(dir, "portal-state.json");
    const fixture = await loadPortalFixture(getDemoFixturePath());
    await seedEmbeddedPortal({ statePath, fixture });
    const seats = path.join(REPO_ROOT, "examples", "quickstart", "seats.yaml");
    const loaded = await loadDesiredState(seats, { displayName: "seats.yaml" });
    if (!loaded.ok) throw new Error(loaded.errors.map(formatLocatedError).join("\n"));
    if (fixture.now === undefined) throw new Error("the demo fixture has no `now`: the picture would change every day");
    const clock = createFixedClock(fixture.now);
    const portal = await createPortal({ backend: "embedded", statePath }, { clock });
    try {
      const observation = await observeDesiredState(portal, loaded.value, { pinnedClock: clock });
      const plan = planSeats(loaded.value, observation.observed, observation.clock, observation.quotes);
      return renderPlanHtml(plan, { renewals: computeRenewals(loaded.value, observation.observed, observation.clock, { plan }) });
    } finally {
      await portal.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(args: readonly string[]): Promise<void> {
  const out = path.resolve(readOption(args, "--out") ?? path.join(REPO_ROOT, "docs", "report-screenshot.png"));
  const html = await renderDemoPlanHtml();
  const page = path.resolve(readOption(args, "--html") ?? path.join(os.tmpdir(), `csp-seats-demo-plan-${process.pid}.html`));
  fs.writeFileSync(page, html);
  const chromium = await launchChromium();
  try {
    const tab = await chromium.openPage({ width: WIDTH, height: 900 });
    await tab.navigate(pathToFileURL(page).href);
    if (tab.problems.length > 0) throw new Error(`the page reported problems:\n${tab.problems.map((p) => `${p.source} ${p.level}: ${p.text}`).join("\n")}`);
    await tab.screenshot(out, { maxHeight: MAX_HEIGHT });
  } finally {
    await chromium.close();
    if (readOption(args, "--html") === undefined) fs.rmSync(page, { force: true });
  }
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)} (${Math.round(fs.statSync(out).size / 1024)} KB)\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`screenshot failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
