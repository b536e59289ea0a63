// Electron's MessagePorts tutorial: a MessageChannel between two renderers. Only the imports
// changed — and the renderers are worker windows (`.ts`), whose ports connect them directly:
// a port cannot cross into a page window's WebSocket transport.
import { app, BrowserWindow, MessageChannelMain } from "denotron/browser";
import path from "node:path";

app.whenReady().then(async () => {
  // create the windows.
  const mainWindow = new BrowserWindow({
    show: false,
    webPreferences: { preload: path.join(import.meta.dirname!, "preloadMain.ts") },
  });

  const secondaryWindow = new BrowserWindow({
    show: false,
    webPreferences: { preload: path.join(import.meta.dirname!, "preloadSecondary.ts") },
  });

  // set up the channel.
  const { port1, port2 } = new MessageChannelMain();

  // once the webContents are ready, send a MessagePort to each webContents with postMessage.
  mainWindow.once("ready-to-show", () => {
    mainWindow.webContents.postMessage("port", null, [port1]);
  });

  secondaryWindow.once("ready-to-show", () => {
    secondaryWindow.webContents.postMessage("port", null, [port2]);
  });

  await mainWindow.loadFile(path.join(import.meta.dirname!, "renderer.ts"));
  await secondaryWindow.loadFile(path.join(import.meta.dirname!, "renderer.ts"));
});

app.on("window-all-closed", function () {
  app.quit();
});
