// The browser side: echo every message back to the window that sent it (here, a web page).
import ipc from "ipc";
import { app, BrowserWindow } from "denotron/browser";

ipc.on("message", (processId: number, routingId: number, ...args: unknown[]) => {
  ipc.send(processId, routingId, ...args);
});

await app.whenReady();
await new BrowserWindow({ width: 480, height: 320, title: "Echo" }).loadFile("index.html");
