import { contextBridge, ipcRenderer } from "denotron/renderer";

contextBridge.exposeInMainWorld("electronAPI", {
  openFile: () => ipcRenderer.invoke("dialog:openFile"),
});
