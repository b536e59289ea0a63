import { ipcRenderer } from "denotron/renderer";

ipcRenderer.on("port", (e) => {
  const port = e.ports[0];
  (globalThis as { electronMessagePort?: MessagePort }).electronMessagePort = port;
  port.onmessage = (messageEvent) => {
    console.log("secondary window got", messageEvent.data);
    port.postMessage("pong from the secondary window");
    setTimeout(close, 50);
  };
});
