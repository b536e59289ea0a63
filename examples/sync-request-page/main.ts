// The browser side answers a synchronous request for data from a web page.
import ipc from "ipc";
import { app, BrowserWindow } from "denotron/browser";

ipc.on("sync-message", (event, _processId: number, _routingId: number, what: string) => {
  if (what === "data") event.result = "this some data from the browser";
});

await app.whenReady();
await new BrowserWindow({ width: 480, height: 320 }).loadFile("index.html");
