// Electron's IPC tutorial, pattern 3: main to renderer. Only the imports changed — and the
// menu: denotron has no native menus, so a timer "clicks" Increment (twice) and Decrement
// (once) where Electron's app menu would; `openDevTools()` is left to a headed window.
import { app, BrowserWindow, ipcMain } from "denotron/browser";
import path from "node:path";

function createWindow() {
  const mainWindow = new BrowserWindow({
    webPreferences: {
      preload: path.join(import.meta.dirname!, "preload.ts"),
    },
  });
  const menu = [
    { click: () => mainWindow.webContents.send("update-counter", 1), label: "Increment" },
    { click: () => mainWindow.webContents.send("update-counter", -1), label: "Decrement" },
  ];
  const clicks = [menu[0], menu[0], menu[1]];
  mainWindow.once("ready-to-show", () => {
    const timer = setInterval(() => {
      const item = clicks.shift();
      if (item) item.click();
      else clearInterval(timer);
    }, 300);
    mainWindow.once("closed", () => clearInterval(timer));
  });
  mainWindow.loadFile(path.join(import.meta.dirname!, "index.html"));
}

app.whenReady().then(() => {
  ipcMain.on("counter-value", (_event, value) => {
    console.log(value); // will print value to the host's terminal
  });
  createWindow();
  app.on("activate", function () {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on("window-all-closed", function () {
  if (process.platform !== "darwin") app.quit();
});
