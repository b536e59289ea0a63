import { contextBridge, ipcRenderer } from "denotron/renderer";

contextBridge.exposeInMainWorld("electronAPI", {
  setTitle: (title: string) => ipcRenderer.send("set-title", title),
});
