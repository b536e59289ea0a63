/**
 * The demo app's browser (main) process: `deno run -A host.ts examples/demo/`.
 *
 * It opens two windows: a page window (index.html, whose app.tsx is bundled on the fly with
 * preact) showing four panels, and a worker window (fractal_worker.ts) that has no permissions
 * and computes the fractal the page draws. The host side of each panel is a small module in
 * services/.
 *
 * With `DENOTRON_DEMO_CAPTURE=file.png` it runs headless, waits until every panel shows a result,
 * saves a screenshot to that file, prints what each panel reported, and quits
 * (tests/demo_test.ts, docs/demo.png).
 *
 * @module
 */
import { app, BrowserWindow } from "denotron/browser";
import { serveFractal } from "./services/fractal.ts";
import { serveHostInfo } from "./services/host_info.ts";
import { serveLive } from "./services/live.ts";
import { type PanelReports, PANELS, panelsReady } from "./services/panels.ts";
import { servePing } from "./services/ping.ts";

const WIDTH = 1120;
const HEIGHT = 780;
/** After the last panel reports: let the charts fill a little more before a screenshot. */
const SETTLE_MS = 1_500;
/** How long a capture run waits for every panel before it gives up (and exits 1). */
const CAPTURE_TIMEOUT_MS = 20_000;

const capture = Deno.env.get("DENOTRON_DEMO_CAPTURE");
// Chromium shows windows on an X display; without one it runs them headless.
const headless = !Deno.env.get("DISPLAY");

// Handlers first: a page that calls before its handler exists gets an error, not a wait.
servePing();
serveHostInfo();
serveLive();

await app.whenReady();

const page = new BrowserWindow({
  width: WIDTH,
  height: HEIGHT,
  title: "denotron demo",
  show: capture === undefined,
  // Closed by default: the page may use the legacy "message" channel and the demo's own.
  channels: {
    send: ["message", "demo:*"],
    sync: ["demo:*"],
    invoke: ["demo:*"],
    receive: ["message", "demo:*"],
  },
});
// No `permissions` option: a worker window gets none. It needs no channels but its own either.
const worker = new BrowserWindow({
  channels: { send: ["fractal:*"], sync: [], invoke: [], receive: ["fractal:*"] },
});
serveFractal(page, worker);
// The app quits when its last window closes, so the worker window goes with the page.
page.on("closed", () => worker.close());

const panels = panelsReady(page, (panel, value) => {
  if (capture) console.log(`demo: panel ${panel} ${JSON.stringify(value)}`);
});

try {
  await Promise.all([worker.loadFile("fractal_worker.ts"), page.loadFile("index.html")]);
} catch (error) {
  // Closed while starting (Ctrl-C, or the window closed at once): the app is on its way out.
  if (!page.isDestroyed()) throw error;
}

if (capture) {
  const timeout = setTimeout(() => {
    const missing = PANELS.filter((name) => !panels.reports[name]);
    console.error(`demo: no result within ${CAPTURE_TIMEOUT_MS} ms from: ${missing.join(", ")}`);
    app.exit(1);
  }, CAPTURE_TIMEOUT_MS);
  await screenshot(capture, await panels.all);
  clearTimeout(timeout);
  app.quit();
} else if (!page.isDestroyed()) {
  if (headless) {
    console.log(
      "denotron demo: no display, so the window runs in headless Chromium. " +
        "A screenshot follows once every panel shows data; Ctrl-C quits.",
    );
    panels.all.then(async (reports) => {
      const file = await Deno.makeTempFile({ prefix: "denotron-demo-", suffix: ".png" });
      await screenshot(file, reports);
    }).catch((error) => console.error("denotron demo: no screenshot:", error.message));
  } else {
    console.log("denotron demo: close the window or press Ctrl-C to quit.");
  }
}

async function screenshot(file: string, reports: PanelReports): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const png = await page.capturePage();
  await Deno.writeFile(file, png);
  const panels = Object.keys(reports).join(", ");
  console.log(`demo: captured ${file} (${png.length} bytes; panels ${panels})`);
}
