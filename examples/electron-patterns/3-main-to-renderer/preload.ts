import { contextBridge, ipcRenderer } from "denotron/renderer";

contextBridge.exposeInMainWorld("electronAPI", {
  onUpdateCounter: (callback: (value: number) => void) =>
    ipcRenderer.on("update-counter", (_event, value) => callback(value)),
  counterValue: (value: number) => ipcRenderer.send("counter-value", value),
});
