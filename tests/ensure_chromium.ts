/**
 * Makes sure the test suite has a Chromium (and Xvfb, for the headed tests) before it runs: on a
 * fresh Debian machine, as root, it installs them from Debian's packages; elsewhere it says what
 * to install. The browser tests are never skipped.
 */
import { findChromium } from "../host/chromium.ts";

const has = (name: string) =>
  (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${name}`).isFile;
    } catch {
      return false;
    }
  });

if (!findChromium() || !has("Xvfb")) {
  const root = Deno.uid?.() === 0;
  if (!root || !has("apt-get")) {
    console.error(
      "denotron tests need Chromium and Xvfb: install them (Debian: apt-get install -y chromium xvfb)," +
        " or point DENOTRON_CHROMIUM at a Chromium binary.",
    );
    Deno.exit(1);
  }
  console.error("denotron: installing chromium and xvfb from Debian's packages…");
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium", "xvfb"]]) {
    const { code } = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (code !== 0) Deno.exit(code);
  }
}
