// Electron's IPC tutorial, pattern 1: renderer to main (one-way). Only the imports changed
// (and `__dirname`, which ES modules spell `import.meta.dirname`).
import { app, BrowserWindow, ipcMain, type IpcMainEvent } from "denotron/browser";
import path from "node:path";

function handleSetTitle(event: IpcMainEvent, title: string) {
  const webContents = event.sender;
  const win = BrowserWindow.fromWebContents(webContents)!;
  win.setTitle(title);
}

function createWindow() {
  const mainWindow = new BrowserWindow({
    webPreferences: {
      preload: path.join(import.meta.dirname!, "preload.ts"),
    },
  });
  mainWindow.loadFile(path.join(import.meta.dirname!, "index.html"));
}

app.whenReady().then(() => {
  ipcMain.on("set-title", handleSetTitle);
  createWindow();

  app.on("activate", function () {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on("window-all-closed", function () {
  if (process.platform !== "darwin") app.quit();
});
