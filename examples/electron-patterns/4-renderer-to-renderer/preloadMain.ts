import { ipcRenderer } from "denotron/renderer";

ipcRenderer.on("port", (e) => {
  // port received, make it globally available.
  const port = e.ports[0];
  (globalThis as { electronMessagePort?: MessagePort }).electronMessagePort = port;
  port.onmessage = (messageEvent) => {
    console.log("main window got", messageEvent.data);
    close(); // the conversation is over: closing this window ends the app with the other
  };
  port.postMessage("ping from the main window");
});
