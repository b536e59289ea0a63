// Electron's IPC tutorial, pattern 2: renderer to main (two-way). Only the imports changed —
// and the file picker: denotron has no native dialogs, so `handleFileOpen` picks the app
// folder's newest file where Electron asks the user with `dialog.showOpenDialog()`.
import { app, BrowserWindow, ipcMain } from "denotron/browser";
import path from "node:path";

async function handleFileOpen() {
  const filePaths: { path: string; mtime: number }[] = [];
  for await (const entry of Deno.readDir(import.meta.dirname!)) {
    const file = path.join(import.meta.dirname!, entry.name);
    if (entry.isFile) {
      filePaths.push({ path: file, mtime: (await Deno.stat(file)).mtime!.getTime() });
    }
  }
  const canceled = filePaths.length === 0;
  if (!canceled) {
    return filePaths.sort((a, b) => b.mtime - a.mtime || a.path.localeCompare(b.path))[0].path;
  }
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
  ipcMain.handle("dialog:openFile", handleFileOpen);
  createWindow();
  app.on("activate", function () {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on("window-all-closed", function () {
  if (process.platform !== "darwin") app.quit();
});
